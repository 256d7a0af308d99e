import type { ServiceConfig } from '@holdfast/service-kit';
import { Logger } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { analyzerService } from '../app.module';
import type { AnalyzerSettings } from './analyzer-settings';
import { DetectionSettingsLog } from './detection-settings-log';

/** What the analyzer says at boot of ANALYZER_DETECTION: its warnings and its info lines, as [fields, message]. */
function boot(detection: object) {
  const config = analyzerService.configFromEnvironment({ ANALYZER_DETECTION: JSON.stringify(detection) }) as ServiceConfig<AnalyzerSettings>;
  const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  const said = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  new DetectionSettingsLog(config).onApplicationBootstrap();
  return { warnings: warned.mock.calls.map(([, message]) => message as string), lines: said.mock.calls as [Record<string, unknown>, string][] };
}

const BUILT_IN = { sensitivity: 1, coolDownSamples: 12, rearmAfterSamples: 6, directions: ['up'], minimumVolume: 0, warmupSamples: 288, warmupCeiling: null, onSignalLoss: 'notify', signalLossAfterSeconds: 900 };

describe('the detection settings said at boot', () => {
  afterEach(() => vi.restoreAllMocks());

  it('warns of each region whose own directions leave out up: a list is the directions reported, not ones added to up', () => {
    expect(boot({ regions: { DE: { directions: ['down'] }, fr: { directions: ['down'], sensitivity: 2 }, IR: { directions: ['up', 'down'] }, NP: { sensitivity: 2 } } }).warnings).toEqual([
      'DE: directions ["down"] (ANALYZER_DETECTION regions.DE) reports collapses only, no surge up; write ["up","down"] for both',
      'FR: directions ["down"] (ANALYZER_DETECTION regions.FR) reports collapses only, no surge up; write ["up","down"] for both',
    ]);
  });

  it('warns of defaults that leave out up once, for every region that sets no directions of its own, and of no region that sets up', () => {
    expect(boot({ defaults: { directions: ['down'] }, regions: { DE: { sensitivity: 2 }, IR: { directions: ['up'] } } }).warnings).toEqual([
      'defaults: directions ["down"] (ANALYZER_DETECTION defaults) reports collapses only, no surge up, in every region that sets no directions of its own; write ["up","down"] for both',
    ]);
    expect(boot({}).warnings).toEqual([]);
    expect(boot({ defaults: { directions: ['up', 'down'] }, regions: { DE: { directions: ['up'] } } }).warnings).toEqual([]);
  });

  it('says the settings in force, the defaults and each configured region, one line each with what it sets itself', () => {
    const { lines } = boot({ defaults: { sensitivity: 2 }, regions: { DE: { directions: ['up', 'down'], warmupCeiling: 500 } } });
    expect(lines).toEqual([
      [
        { scope: 'defaults', configured: ['sensitivity'], detection: { ...BUILT_IN, sensitivity: 2 } },
        'detection in force by default (ANALYZER_DETECTION defaults sets sensitivity; the rest built in): sensitivity 2, coolDownSamples 12, rearmAfterSamples 6, directions ["up"], minimumVolume 0, warmupSamples 288, warmupCeiling null, onSignalLoss notify, signalLossAfterSeconds 900',
      ],
      [
        { scope: 'DE', configured: ['directions', 'warmupCeiling'], detection: { ...BUILT_IN, sensitivity: 2, directions: ['up', 'down'], warmupCeiling: 500 } },
        'detection in force for DE (ANALYZER_DETECTION regions.DE sets directions, warmupCeiling; the rest from the defaults): sensitivity 2, coolDownSamples 12, rearmAfterSamples 6, directions ["up","down"], minimumVolume 0, warmupSamples 288, warmupCeiling 500, onSignalLoss notify, signalLossAfterSeconds 900',
      ],
    ]);
    expect(boot({}).lines).toEqual([[{ scope: 'defaults', configured: [], detection: BUILT_IN }, expect.stringMatching(/^detection in force by default \(built in; ANALYZER_DETECTION sets nothing\): sensitivity 1, /)]]);
  });
});
