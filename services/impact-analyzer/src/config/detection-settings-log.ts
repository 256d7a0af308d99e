import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DEFAULT_REGION_POLICY, policyOf, type AnalyzerSettings, type RegionPolicy } from './analyzer-settings';

/** "sensitivity 2, ..., directions ["up","down"], ...": each setting as ANALYZER_DETECTION names and writes it. */
const settingsText = (policy: RegionPolicy) =>
  Object.entries(policy)
    .map(([name, value]) => `${name} ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');

/**
 * Says at boot, once, the detection settings in force (the defaults, then each configured region) and warns of
 * `directions` that leave out up: a list is the directions reported, so `["down"]` reports collapses and no surge up,
 * which reads as "down as well" unless said.
 */
@Injectable()
export class DetectionSettingsLog implements OnApplicationBootstrap {
  private readonly logger = new Logger(DetectionSettingsLog.name);

  constructor(@InjectServiceConfig() private readonly config: ServiceConfig<AnalyzerSettings>) {}

  onApplicationBootstrap(): void {
    const { settings } = this.config;
    const { defaults, regions } = settings.detection;
    // The settings keep the defaults merged over the built-in ones: those that differ are the ones ANALYZER_DETECTION set.
    const given = (Object.keys(defaults) as (keyof RegionPolicy)[]).filter((name) => JSON.stringify(defaults[name]) !== JSON.stringify(DEFAULT_REGION_POLICY[name]));
    const source = given.length > 0 ? `ANALYZER_DETECTION defaults sets ${given.join(', ')}; the rest built in` : 'built in; ANALYZER_DETECTION sets nothing';
    this.logger.log({ scope: 'defaults', configured: given, detection: defaults }, `detection in force by default (${source}): ${settingsText(defaults)}`);
    if (!defaults.directions.includes('up')) {
      this.logger.warn(
        { scope: 'defaults', directions: defaults.directions },
        `defaults: directions ${JSON.stringify(defaults.directions)} (ANALYZER_DETECTION defaults) reports collapses only, no surge up, in every region that sets no directions of its own; write ["up","down"] for both`,
      );
    }
    for (const [region, own] of Object.entries(regions)) {
      const policy = policyOf(settings, region);
      const configured = Object.keys(own);
      this.logger.log(
        { scope: region, configured, detection: policy },
        `detection in force for ${region} (ANALYZER_DETECTION regions.${region} sets ${configured.join(', ') || 'nothing'}; the rest from the defaults): ${settingsText(policy)}`,
      );
      if (own.directions && !own.directions.includes('up')) {
        this.logger.warn(
          { scope: region, directions: own.directions },
          `${region}: directions ${JSON.stringify(own.directions)} (ANALYZER_DETECTION regions.${region}) reports collapses only, no surge up; write ["up","down"] for both`,
        );
      }
    }
  }
}
