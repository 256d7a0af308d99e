import { DEFAULT_SURGE_THRESHOLDS, detectionConfig, type DetectionConfig, type SurgeThresholds } from '../detection';
import { policyOf, type AnalyzerSettings, type RegionPolicy } from '../config/analyzer-settings';

/** A region's policy in the detector's terms: sensitivity scales the start thresholds, the cool-down counts calm samples, the re-arm quiet ones after a clear. */
function thresholdsOf(policy: RegionPolicy): Partial<SurgeThresholds> {
  return {
    spikeScore: DEFAULT_SURGE_THRESHOLDS.spikeScore / policy.sensitivity,
    cusumThreshold: DEFAULT_SURGE_THRESHOLDS.cusumThreshold / policy.sensitivity,
    clearAfterCalmSamples: policy.coolDownSamples,
    rearmAfterSamples: policy.rearmAfterSamples,
    directions: policy.directions,
    warmupSamples: policy.warmupSamples,
  };
}

/** The detector's configuration for every region, built once from ANALYZER_DETECTION. */
export function detectionConfigOf(settings: AnalyzerSettings): DetectionConfig {
  const regions = Object.fromEntries(Object.keys(settings.detection.regions).map((region) => [region, thresholdsOf(policyOf(settings, region))]));
  return detectionConfig({ defaults: thresholdsOf(settings.detection.defaults), regions });
}
