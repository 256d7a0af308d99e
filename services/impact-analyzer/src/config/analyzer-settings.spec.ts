import { describe, expect, it } from 'vitest';
import { analyzerService } from '../app.module';
import { DEFAULT_REGION_POLICY, policyOf } from './analyzer-settings';
import { detectionConfigOf } from '../samples/detection-policy';
import { DEFAULT_SURGE_THRESHOLDS, thresholdsFor } from '../detection';

const parse = (environment: NodeJS.ProcessEnv) => analyzerService.configFromEnvironment(environment).settings;
/** The refusal's text, for an environment that must be refused. */
const refusal = (environment: NodeJS.ProcessEnv): string => {
  try {
    parse(environment);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the environment was accepted');
};

describe('analyzer settings', () => {
  it('has documented defaults for every variable', () => {
    const settings = parse({});
    expect(settings.detection.defaults).toEqual(DEFAULT_REGION_POLICY);
    expect(DEFAULT_REGION_POLICY).toMatchObject({ sensitivity: 1, coolDownSamples: 12, rearmAfterSamples: 6, directions: ['up'], minimumVolume: 0, warmupSamples: 288, warmupCeiling: null, onSignalLoss: 'notify', signalLossAfterSeconds: 900 });
    expect(settings).toMatchObject({ sampleBatchMax: 1_000, sampleMaxAheadMs: 300_000, sampleMaxAgeMs: 30 * 86_400_000, seriesMaxPerRegion: 100, samplePublishTimeoutMs: 5_000, alertSenders: {}, alertRegionLabels: ['region'], alertMaxBodyBytes: 16_777_216, jobIntervalMs: 5_000, declarationMaxMs: 90 * 86_400_000, declarationMaxAheadMs: 400 * 86_400_000, baselineChangeRatio: 0.1 });
    expect(settings.prometheus).toEqual({ url: undefined, queries: [], regionLabel: 'region', intervalMs: 15_000 });
  });

  it('merges a region over the defaults, and turns sensitivity and cool-down into detector thresholds', () => {
    const settings = parse({ ANALYZER_DETECTION: JSON.stringify({ defaults: { coolDownSamples: 6 }, regions: { IR: { sensitivity: 2, directions: ['up', 'down'], onSignalLoss: 'hold' } } }) });
    expect(policyOf(settings, 'IR')).toMatchObject({ sensitivity: 2, coolDownSamples: 6, directions: ['up', 'down'], onSignalLoss: 'hold' });
    expect(policyOf(settings, 'NP')).toMatchObject({ sensitivity: 1, coolDownSamples: 6, onSignalLoss: 'notify' });
    const detection = detectionConfigOf(settings);
    const { spikeScore, cusumThreshold } = DEFAULT_SURGE_THRESHOLDS;
    expect(thresholdsFor(detection, 'IR')).toMatchObject({ spikeScore: spikeScore / 2, cusumThreshold: cusumThreshold / 2, clearAfterCalmSamples: 6, directions: ['up', 'down'] });
    expect(thresholdsFor(detection, 'NP')).toMatchObject({ spikeScore, cusumThreshold, clearAfterCalmSamples: 6, directions: ['up'] });
  });

  it("takes a region's re-arm after a surge clears, the detector's own default unless set", () => {
    const settings = parse({ ANALYZER_DETECTION: JSON.stringify({ regions: { IR: { rearmAfterSamples: 0 }, NP: { rearmAfterSamples: 3 } } }) });
    const detection = detectionConfigOf(settings);
    expect(DEFAULT_REGION_POLICY.rearmAfterSamples).toBe(DEFAULT_SURGE_THRESHOLDS.rearmAfterSamples);
    expect(thresholdsFor(detection, 'IR').rearmAfterSamples).toBe(0);
    expect(thresholdsFor(detection, 'NP').rearmAfterSamples).toBe(3);
    expect(thresholdsFor(detection, 'KE').rearmAfterSamples).toBe(DEFAULT_SURGE_THRESHOLDS.rearmAfterSamples);
    expect(() => parse({ ANALYZER_DETECTION: '{"regions":{"IR":{"rearmAfterSamples":-1}}}' })).toThrow(/ANALYZER_DETECTION \(JSON\): regions\.IR\.rearmAfterSamples=-1: must be at least 0\n/);
    expect(() => parse({ ANALYZER_DETECTION: '{"defaults":{"rearmAfterSamples":1.5}}' })).toThrow(/ANALYZER_DETECTION \(JSON\): defaults\.rearmAfterSamples=1\.5: must be a whole number\n/);
  });

  it('refuses a bad JSON variable at boot, naming it and the field', () => {
    expect(() => parse({ ANALYZER_DETECTION: '{"regions":{"IR":{"onSignalLoss":"panic"}}}' })).toThrow(/\n {2}ANALYZER_DETECTION \(JSON\): regions\.IR\.onSignalLoss="panic": must be one of ignore, notify, hold\n/);
    expect(() => parse({ ANALYZER_DETECTION: '{"regions":{"IR":{"sensitivity":"high"}}}' })).toThrow(/ANALYZER_DETECTION \(JSON\): regions\.IR\.sensitivity="high": must be a number\n/);
    expect(() => parse({ SAMPLE_BATCH_MAX: '-5' })).toThrow(/SAMPLE_BATCH_MAX="-5": must be a whole number of samples from 1 to 5000, written in decimal digits\n/);
    expect(() => parse({ DECLARATION_MAX_AHEAD_DAYS: '0' })).toThrow(/DECLARATION_MAX_AHEAD_DAYS="0": must be a number of days > 0 and ≤ 3650\n/);
    expect(() => parse({ SAMPLE_PUBLISH_TIMEOUT_MS: '2.5e3' })).toThrow(/SAMPLE_PUBLISH_TIMEOUT_MS="2\.5e3": must be a whole number of milliseconds ≥ 100, written in decimal digits\n/);
    expect(() => parse({ ANALYZER_DETECTION: '{' })).toThrow(/\n {2}ANALYZER_DETECTION \(JSON\): not JSON: it ends at line 1, column 2/);
    expect(() => parse({ ALERT_SENDERS: '{"alertmanager":{"bearer":"short"}}' })).toThrow(
      /\n {2}ALERT_SENDERS \(JSON holding credentials, not shown\): alertmanager\.bearer: a bearer token needs at least 16 characters\n/,
    );
    expect(() => parse({ ALERT_REGION_LABELS: ' , ' })).toThrow(/name at least one label/);
    // A doubled or trailing comma looked for a label with no name, which no alert carries, without a word.
    expect(() => parse({ ALERT_REGION_LABELS: 'region,,country' })).toThrow(/\n {2}ALERT_REGION_LABELS="region,,country": label 2 has no name: separate the label names with single commas, such as region,country\n/);
    expect(() => parse({ ALERT_REGION_LABELS: 'region, ' })).toThrow(/\n {2}ALERT_REGION_LABELS="region, ": label 2 has no name/);
    // host:port alone parses as a URL whose scheme is the host: it failed at the first poll, after the service started.
    expect(() => parse({ PROMETHEUS_URL: 'prometheus:9090' })).toThrow(/\n {2}PROMETHEUS_URL="prometheus:9090": must be an http:\/\/ or https:\/\/ URL such as http:\/\/prometheus:9090\n/);
    // Basic auth rides in the URL: its password is never said.
    expect(() => parse({ PROMETHEUS_URL: 'ops:hunter2@prometheus:9090' })).toThrow(/\n {2}PROMETHEUS_URL="ops:\*\*\*@prometheus:9090": must be an http/);
    expect(() => parse({ ANALYZER_DETECTION: '{"regions":{"UK":{"sensitivity":2},"IR":{},"Eu_West":{}}}' })).toThrow(
      'impact-analyzer: invalid configuration:\n  ANALYZER_DETECTION (JSON): regions names UK, Eu_West, which the region catalog does not know: use ISO 3166-1 alpha-2 codes (GB, not UK)',
    );
    expect(() => parse({ ANALYZER_DETECTION: '{"regions":{"IR":{},"eu-west":{}}}' })).toThrow(
      'impact-analyzer: invalid configuration:\n  ANALYZER_DETECTION (JSON): regions names eu-west, which the region catalog does not know: use ISO 3166-1 alpha-2 codes (GB, not UK) or custom regions declared in HOLDFAST_CUSTOM_REGIONS (GET /v1/regions lists them); HOLDFAST_CUSTOM_REGIONS declares none\n',
    );
    const withCustom = parse({ HOLDFAST_CUSTOM_REGIONS: JSON.stringify([{ code: 'eu-west', name: 'EU West', zones: ['Europe/Dublin'] }]), ANALYZER_DETECTION: '{"regions":{"eu-west":{"sensitivity":2}}}' });
    expect(policyOf(withCustom, 'eu-west').sensitivity).toBe(2);
  });

  it('names a setting a JSON variable does not take, with the one most likely meant, or those it takes', () => {
    expect(() => parse({ ANALYZER_DETECTION: '{"defaults":{"warmupCeilng":1000},"regions":{"IR":{"cooldownSamples":2}}}' })).toThrow(
      /\n {2}ANALYZER_DETECTION \(JSON\): defaults\.warmupCeilng is not a setting; did you mean warmupCeiling\?; regions\.IR\.cooldownSamples is not a setting; did you mean coolDownSamples\?\n/,
    );
    expect(() => parse({ ANALYZER_DETECTION: '{"region":{}}' })).toThrow(/\n {2}ANALYZER_DETECTION \(JSON\): region is not a setting; did you mean regions\?\n/);
    expect(() => parse({ PROMETHEUS_QUERIES: '[{"metric":"requests","query":"sum(rate(x[1m]))","interval":"15s"}]' })).toThrow(/\n {2}PROMETHEUS_QUERIES \(JSON\): 0\.interval is not a setting \(it takes metric, query\)\n/);
  });

  it('says where a JSON variable breaks, never what it holds: ALERT_SENDERS carries credentials', () => {
    const secret = 'supersecret-token-0123456789';
    // JSON.parse quotes the text around an unexpected token: ..."{"bearer":supersecre"...
    const unquoted = refusal({ ALERT_SENDERS: `{"alertmanager":{"bearer":${secret}}}` });
    expect(unquoted).toContain('\n  ALERT_SENDERS (JSON holding credentials, not shown): not JSON: it breaks at line 1, column 27; check the quotes');
    expect(unquoted).not.toMatch(/supersecre|bearer/);
    const open = refusal({ ALERT_SENDERS: `{\n  "grafana": {"basic": {"username": "holdfast", "password": "${secret}"}\n` });
    expect(open).toContain('ALERT_SENDERS (JSON holding credentials, not shown): not JSON: it ends at line 3, column 1 with a bracket, brace or quote left open');
    expect(open).not.toMatch(/supersecre|holdfast"/);
    const control = refusal({ ALERT_SENDERS: `{"grafana":{"bearer":"${secret}\tx"}}` });
    expect(control).toContain('ALERT_SENDERS (JSON holding credentials, not shown): not JSON: it breaks at line 1, column 51');
    expect(control).not.toContain('supersecre');
    // Parsed JSON whose field is refused: the field is named, its credential not said.
    const short = refusal({ ALERT_SENDERS: '{"grafana":{"basic":{"username":"holdfast","password":"hunter2"}}}' });
    expect(short).toContain('ALERT_SENDERS (JSON holding credentials, not shown): grafana');
    expect(short).not.toContain('hunter2');
    for (const name of ['ANALYZER_DETECTION', 'PROMETHEUS_QUERIES']) {
      const message = refusal({ [name]: `[{"query":${secret}}]` });
      expect(message).toContain(`${name} (JSON): not JSON: it breaks at line 1, column 11`);
      expect(message).not.toContain('supersecre');
    }
  });

  it('configures a region named in lower case under its catalog code, and refuses two keys naming one region', () => {
    const settings = parse({ ANALYZER_DETECTION: JSON.stringify({ regions: { ir: { sensitivity: 2, onSignalLoss: 'hold' } } }) });
    expect(Object.keys(settings.detection.regions)).toEqual(['IR']);
    expect(policyOf(settings, 'IR')).toMatchObject({ sensitivity: 2, onSignalLoss: 'hold' });
    expect(thresholdsFor(detectionConfigOf(settings), 'IR').spikeScore).toBe(DEFAULT_SURGE_THRESHOLDS.spikeScore / 2);
    expect(() => parse({ ANALYZER_DETECTION: '{"regions":{"IR":{"sensitivity":2},"NP":{},"ir":{"sensitivity":3}}}' })).toThrow(
      'impact-analyzer: invalid configuration:\n  ANALYZER_DETECTION (JSON): regions names IR and ir, which are the same region IR: keep one',
    );
  });

  it('refuses at boot a Prometheus query whose metric no sample could carry, naming the query and the field', () => {
    const queries = (metric: string) => JSON.stringify([{ metric: 'requests_per_second', query: 'sum by (region) (rate(a[5m]))' }, { metric, query: 'sum by (region) (b)' }]);
    expect(parse({ PROMETHEUS_QUERIES: queries('errors_per_second') }).prometheus.queries).toHaveLength(2);
    expect(() => parse({ PROMETHEUS_QUERIES: queries('requests/second') })).toThrow(/\n {2}PROMETHEUS_QUERIES \(JSON\): 1\.metric="requests\/second": must be a metric name of letters, digits/);
  });

  it('refuses at boot two Prometheus queries with one metric, naming both: a region both answer would keep one sample of the two each poll', () => {
    const queries = [
      { metric: 'requests_per_second', query: 'sum by (region) (rate(a[5m]))' },
      { metric: 'errors_per_second', query: 'sum by (region) (rate(e[5m]))' },
      { metric: 'requests_per_second', query: 'sum by (region) (rate(b[5m]))' },
    ];
    expect(() => parse({ PROMETHEUS_QUERIES: JSON.stringify(queries) })).toThrow(
      'impact-analyzer: invalid configuration:\n  PROMETHEUS_QUERIES (JSON): 0 and 2 have the same metric requests_per_second ("sum by (region) (rate(a[5m]))", "sum by (region) (rate(b[5m]))"): a region both answer would keep only one of their samples each poll; join them into one query (a or b) or give each its own metric',
    );
    expect(parse({ PROMETHEUS_QUERIES: JSON.stringify(queries.slice(0, 2)) }).prometheus.queries).toHaveLength(2);
  });

  it('refuses at boot a warm-up ceiling below minimumVolume, which would start surges minimumVolume refuses, naming the region and where each field was set', () => {
    const detection = (value: unknown) => ({ ANALYZER_DETECTION: JSON.stringify(value) });
    expect(() => parse(detection({ defaults: { minimumVolume: 100 }, regions: { ir: { warmupCeiling: 50 } } }))).toThrow(
      'impact-analyzer: invalid configuration:\n  ANALYZER_DETECTION (JSON): regions.ir.warmupCeiling 50 is below defaults.minimumVolume 100 for regions.ir: a warm-up surge would start where minimumVolume allows none; set warmupCeiling to 100 or more, or lower minimumVolume',
    );
    expect(() => parse(detection({ defaults: { warmupCeiling: 50, minimumVolume: 80 } }))).toThrow(/\n {2}ANALYZER_DETECTION \(JSON\): defaults\.warmupCeiling 50 is below defaults\.minimumVolume 80: /);
    expect(() => parse(detection({ defaults: { warmupCeiling: 50 }, regions: { NP: { minimumVolume: 60 } } }))).toThrow(/defaults\.warmupCeiling 50 is below regions\.NP\.minimumVolume 60 for regions\.NP/);
    // At or above it, or no ceiling, is taken; so is a region that lifts the defaults' ceiling past its own volume.
    const settings = parse(detection({ defaults: { warmupCeiling: 100, minimumVolume: 100 }, regions: { IR: { minimumVolume: 500, warmupCeiling: 800 }, NP: { warmupCeiling: null, minimumVolume: 1_000 } } }));
    expect(policyOf(settings, 'IR')).toMatchObject({ warmupCeiling: 800, minimumVolume: 500 });
    expect(policyOf(settings, 'NP')).toMatchObject({ warmupCeiling: null, minimumVolume: 1_000 });
  });

  it('says the check between its variables in one block with a variable that reads as a slip of one', () => {
    const environment = { ANALYZER_DETECTION: JSON.stringify({ regions: { 'eu-west': {}, ir: { warmupCeiling: 100, minimumVolume: 100 } } }), SAMPLE_BACH_MAX: '10' };
    expect(() => parse(environment)).toThrow(
      /^impact-analyzer: invalid configuration:\n {2}ANALYZER_DETECTION \(JSON\): regions names eu-west, which the region catalog does not know: [^\n]+\n {2}SAMPLE_BACH_MAX is not a variable impact-analyzer reads, so it is ignored; did you mean SAMPLE_BATCH_MAX\?\nFix the variables above/,
    );
  });

  it("names in a first start's list, with the other variables' refusals, what a JSON variable's values conflict in: the checks that read no other variable", () => {
    const queries = [
      { metric: 'rps', query: 'sum by (region) (rate(a[5m]))' },
      { metric: 'rps', query: 'sum by (region) (rate(b[5m]))' },
    ];
    const detection = { defaults: { minimumVolume: 100 }, regions: { UK: {}, IR: { warmupCeiling: 50 }, ir: {}, 'eu-west': {} } };
    const lines = refusal({
      ALERT_SENDERS: '{"alertmanager":{"bearer":"short"}}',
      PROMETHEUS_URL: 'prometheus:9090',
      PROMETHEUS_INTERVAL_SECONDS: 'often',
      PROMETHEUS_QUERIES: JSON.stringify(queries),
      ANALYZER_DETECTION: JSON.stringify(detection),
    }).split('\n');
    expect(lines.filter((line) => /^ {2}[A-Z]/.test(line)).map((line) => line.trim().split(/[ =:]/)[0])).toEqual([
      'ANALYZER_DETECTION',
      'ANALYZER_DETECTION',
      'ANALYZER_DETECTION',
      'ALERT_SENDERS',
      'PROMETHEUS_URL',
      'PROMETHEUS_QUERIES',
      'PROMETHEUS_INTERVAL_SECONDS',
      // The check between variables, after every variable's own refusals.
      'ANALYZER_DETECTION',
    ]);
    expect(lines).toContain(
      '  PROMETHEUS_QUERIES (JSON): 0 and 1 have the same metric rps ("sum by (region) (rate(a[5m]))", "sum by (region) (rate(b[5m]))"): a region both answer would keep only one of their samples each poll; join them into one query (a or b) or give each its own metric',
    );
    // UK and ir are wrong whatever HOLDFAST_CUSTOM_REGIONS declares (a custom region's code is lower case and 3 characters or more).
    expect(lines).toContain(
      '  ANALYZER_DETECTION (JSON): regions names UK, which the region catalog does not know: use ISO 3166-1 alpha-2 codes (GB, not UK) or custom regions declared in HOLDFAST_CUSTOM_REGIONS (GET /v1/regions lists them)',
    );
    expect(lines).toContain('  ANALYZER_DETECTION (JSON): regions names IR and ir, which are the same region IR: keep one');
    expect(lines.join('\n')).toContain('  ANALYZER_DETECTION (JSON): regions.IR.warmupCeiling 50 is below defaults.minimumVolume 100 for regions.IR: ');
    // Whether eu-west is a region depends on HOLDFAST_CUSTOM_REGIONS, which read well (unset): said in the same list.
    expect(lines.at(-2)).toMatch(/^ {2}ANALYZER_DETECTION \(JSON\): regions names eu-west, which the region catalog does not know: .*; HOLDFAST_CUSTOM_REGIONS declares none$/);
  });

  describe('two mistakes at one boot', () => {
    const customRegions = JSON.stringify([{ code: 'eu-west', name: 'EU West', zones: ['Europe/Dublin'] }]);
    const undeclared =
      '  ANALYZER_DETECTION (JSON): regions names eu-wset, which the region catalog does not know: use ISO 3166-1 alpha-2 codes (GB, not UK) or custom regions declared in HOLDFAST_CUSTOM_REGIONS (GET /v1/regions lists them); did you mean eu-west for eu-wset?';

    it('names a custom region HOLDFAST_CUSTOM_REGIONS does not declare beside another variable refused', () => {
      const lines = refusal({ HOLDFAST_CUSTOM_REGIONS: customRegions, ANALYZER_DETECTION: '{"regions":{"eu-wset":{"sensitivity":2}}}', SAMPLE_BATCH_MAX: '-5' }).split('\n');
      expect(lines.slice(1, -1)).toEqual(['  SAMPLE_BATCH_MAX="-5": must be a whole number of samples from 1 to 5000, written in decimal digits', undeclared]);
    });

    it('names it beside a value refused in ANALYZER_DETECTION itself, whose keys still read', () => {
      const lines = refusal({ HOLDFAST_CUSTOM_REGIONS: customRegions, ANALYZER_DETECTION: '{"regions":{"eu-wset":{"sensitivity":2},"IR":{"sensitivity":-1}}}' }).split('\n');
      expect(lines.slice(1, -1)).toEqual(['  ANALYZER_DETECTION (JSON): regions.IR.sensitivity=-1: must be more than 0', undeclared]);
    });

    it('leaves a custom region key unjudged while HOLDFAST_CUSTOM_REGIONS is refused: it may declare the region once fixed', () => {
      const said = refusal({ HOLDFAST_CUSTOM_REGIONS: '[{"code":"eu-west"', ANALYZER_DETECTION: '{"regions":{"eu-wset":{}}}' });
      expect(said).toMatch(/\n {2}HOLDFAST_CUSTOM_REGIONS="\[\{\\"code\\":\\"eu-west\\"": /);
      expect(said).not.toContain('eu-wset');
    });

    it('names a key no region can have (UK) and two keys of one region beside a value refused in the same variable', () => {
      const lines = refusal({ ANALYZER_DETECTION: '{"defaults":{"coolDownSamples":0},"regions":{"UK":{"sensitivity":"high"},"IR":{},"ir":{}}}' }).split('\n');
      expect(lines.slice(1, -1)).toEqual([
        '  ANALYZER_DETECTION (JSON): defaults.coolDownSamples=0: must be at least 1; regions.UK.sensitivity="high": must be a number',
        '  ANALYZER_DETECTION (JSON): regions names UK, which the region catalog does not know: use ISO 3166-1 alpha-2 codes (GB, not UK) or custom regions declared in HOLDFAST_CUSTOM_REGIONS (GET /v1/regions lists them)',
        '  ANALYZER_DETECTION (JSON): regions names IR and ir, which are the same region IR: keep one',
      ]);
    });
  });

  it('refuses a sample publish timeout too short to reach the broker at all', () => {
    expect(parse({ SAMPLE_PUBLISH_TIMEOUT_MS: '750' }).samplePublishTimeoutMs).toBe(750);
    expect(() => parse({ SAMPLE_PUBLISH_TIMEOUT_MS: '0' })).toThrow(/SAMPLE_PUBLISH_TIMEOUT_MS/);
    expect(() => parse({ SAMPLE_PUBLISH_TIMEOUT_MS: 'soon' })).toThrow(/SAMPLE_PUBLISH_TIMEOUT_MS/);
  });
});
