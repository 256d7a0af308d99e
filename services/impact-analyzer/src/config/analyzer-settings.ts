import { TrafficSampleSchema } from '@holdfast/contracts';
import { decimalVariable, unquotedVariables } from '@holdfast/observability';
import { CustomRegionSchema, CustomRegionsVariable, RegionCatalog, type CustomRegion } from '@holdfast/regions';
import { requestErrorMap, type CheckBetweenVariables } from '@holdfast/service-kit';
import leven from 'leven';
import { z } from 'zod';
import { jsonBreakIn } from './json-syntax';

/** What happens when a region's samples stop: nothing, a warning (metric and log), or a surge (fail closed). */
export const SignalLossModeSchema = z.enum(['ignore', 'notify', 'hold']);
export type SignalLossMode = z.infer<typeof SignalLossModeSchema>;

/** How one region is judged; every field is optional in the environment and takes its default. */
export const RegionPolicySchema = z.strictObject({
  /** Above 1 surges start on smaller deviations (the start thresholds are divided by it); below 1, larger ones. */
  sensitivity: z.number().positive().max(10),
  /** Consecutive calm samples before a surge clears. */
  coolDownSamples: z.int().min(1).max(10_000),
  /**
   * Samples after a detector surge clears during which no new one starts, so the tail of the episode
   * that just cleared does not start another; 0 re-arms at once. At five-minute spacing, as the cool-down:
   * the default 6 waits no longer than the planner holds after a clear (HOLD_COOLDOWN_MINUTES, 30).
   */
  rearmAfterSamples: z.int().min(0).max(10_000),
  directions: z.array(z.enum(['up', 'down'])).min(1),
  /** A surge starts only where the observed value or the usual level is at least this (quiet regions do not fire on a handful; a busy one that falls silent does). */
  minimumVolume: z.number().nonnegative(),
  /** Samples a new series learns from before the seasonal detector may decide. */
  warmupSamples: z.int().min(1).max(100_000),
  /** While warming up: null means no decision; a number starts a surge when a sample reaches it. */
  warmupCeiling: z.number().positive().nullable(),
  onSignalLoss: SignalLossModeSchema,
  /** Silence longer than this is a lost signal. */
  signalLossAfterSeconds: z.int().min(1),
});
export type RegionPolicy = z.infer<typeof RegionPolicySchema>;

export const DEFAULT_REGION_POLICY: RegionPolicy = {
  sensitivity: 1,
  coolDownSamples: 12,
  rearmAfterSamples: 6,
  directions: ['up'],
  minimumVolume: 0,
  warmupSamples: 288,
  warmupCeiling: null,
  onSignalLoss: 'notify',
  signalLossAfterSeconds: 900,
};

const DetectionSettingsSchema = z.strictObject({
  defaults: RegionPolicySchema.partial().default({}),
  regions: z.record(z.string(), RegionPolicySchema.partial()).default({}),
});
type DetectionSettings = z.infer<typeof DetectionSettingsSchema>;

/** A credential an alert sender presents: Alertmanager's and Grafana's webhooks both support either. */
const SenderCredentialSchema = z.union([
  z.strictObject({ bearer: z.string().min(16, 'a bearer token needs at least 16 characters') }),
  z.strictObject({ basic: z.strictObject({ username: z.string().min(1), password: z.string().min(12, 'a password needs at least 12 characters') }) }),
]);
export type SenderCredential = z.infer<typeof SenderCredentialSchema>;
export type AlertSender = 'alertmanager' | 'grafana';

const AlertSendersSchema = z.strictObject({ alertmanager: SenderCredentialSchema.optional(), grafana: SenderCredentialSchema.optional() });

/**
 * One PromQL query polled as a sample source: one series per region, the region in `regionLabel`.
 * Its metric names every sample it makes, so it is checked as the sample contract checks it: one
 * the contract refuses would drop every series, counted only as invalid-value.
 */
const PrometheusQuerySchema = z.strictObject({ metric: TrafficSampleSchema.shape.metric, query: z.string().min(1) });
export type PrometheusQuery = z.infer<typeof PrometheusQuerySchema>;

/** Where a variable stops being JSON, never its text (JSON.parse's message quotes it): an operator finds the fault by line and column. */
function notJson(text: string): string {
  const fault = jsonBreakIn(text);
  const where = fault === undefined ? '' : fault.endsEarly ? `: it ends at line ${fault.line}, column ${fault.column} with a bracket, brace or quote left open` : `: it breaks at line ${fault.line}, column ${fault.column}`;
  return `not JSON${where}; check the quotes, commas and brackets there`;
}

// A key this close to a setting is that setting mistyped (warmupCeilng); further, a guess misleads.
const MEANT_SETTING_MAX_EDITS = 2;

/** The value at `path` of parsed JSON, quoted, when it is text, a number, true, false or null. */
function quotedAt(raw: unknown, path: readonly PropertyKey[]): string {
  const value = path.reduce<unknown>((at, step) => (at !== null && typeof at === 'object' ? (at as Record<PropertyKey, unknown>)[step] : undefined), raw);
  return value === null || ['string', 'number', 'boolean'].includes(typeof value) ? `=${JSON.stringify(value)}` : '';
}

/**
 * Each problem of a JSON variable at its path, with the value read there unless the variable holds
 * credentials; a key the variable does not take, with the setting it most likely meant.
 */
function problemsOf(schema: z.ZodType, raw: unknown, issues: readonly z.core.$ZodIssue[], credentials: boolean): string {
  return issues
    .flatMap((issue) => {
      const at = issue.path.join('.');
      if (issue.code !== 'unrecognized_keys') return [`${at || '(the whole value)'}${credentials ? '' : quotedAt(raw, issue.path)}: ${issue.message}`];
      const settings = settingsAt(schema, issue.path);
      return issue.keys.map((key) => {
        const [meant] = settings.map((name) => ({ name, edits: leven(key, name) })).sort((one, other) => one.edits - other.edits);
        const suggestion = meant && meant.edits <= MEANT_SETTING_MAX_EDITS ? `; did you mean ${meant.name}?` : settings.length > 0 ? ` (it takes ${settings.join(', ')})` : '';
        return `${at ? `${at}.` : ''}${key} is not a setting${suggestion}`;
      });
    })
    .join('; ');
}

/** The settings the object at `path` of a JSON variable takes; none where that cannot be told (one of several shapes). */
function settingsAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const bare = (at: z.ZodType): z.ZodType => (at instanceof z.ZodDefault || at instanceof z.ZodOptional ? bare(at.unwrap() as z.ZodType) : at);
  let at: z.ZodType | undefined = bare(schema);
  for (const step of path) {
    at =
      at instanceof z.ZodObject
        ? (at.shape as Record<string, z.ZodType>)[String(step)]
        : at instanceof z.ZodRecord
          ? (at.valueType as z.ZodType)
          : at instanceof z.ZodArray
            ? (at.element as z.ZodType)
            : undefined;
    if (at === undefined) return [];
    at = bare(at);
  }
  return at instanceof z.ZodObject ? Object.keys(at.shape) : [];
}

/** The JSON in `text`, or undefined where it is none. */
function jsonIn(text: string): { json: unknown } | undefined {
  try {
    return { json: JSON.parse(text) };
  } catch {
    return undefined;
  }
}

/**
 * A JSON environment variable parsed by a schema. A refusal never quotes its whole text, only the value
 * at the field it names, and not that when the variable holds `credentials`. What its values
 * `conflicts` in (a check that reads no other variable) is refused here, in one list with every other
 * variable's refusals: checked after all of them read well, it waited for a later start. What the JSON
 * as given conflicts in whatever its values (`keyConflicts`: its keys) is said even beside the
 * schema's refusals, which would otherwise hide it until they are fixed.
 */
const jsonVariable = <S extends z.ZodType>(
  schema: S,
  fallback: string,
  { credentials = false, conflicts, keyConflicts }: { credentials?: boolean; conflicts?: (value: z.infer<S>) => string[]; keyConflicts?: (json: unknown) => string[] } = {},
) =>
  z
    .string()
    .default(fallback)
    .transform((text, context) => {
      const given = jsonIn(text);
      if (!given) {
        context.addIssue({ code: 'custom', message: notJson(text) });
        return z.NEVER;
      }
      const parsed = schema.safeParse(given.json, { error: requestErrorMap });
      const problems = [
        ...(parsed.success ? [] : [problemsOf(schema, given.json, parsed.error.issues, credentials)]),
        ...(keyConflicts?.(given.json) ?? []),
        ...(parsed.success ? (conflicts?.(parsed.data as z.infer<S>) ?? []) : []),
      ];
      for (const message of problems) context.addIssue({ code: 'custom', message });
      return problems.length > 0 ? z.NEVER : (parsed.data as z.infer<S>);
    })
    .register(unquotedVariables, { instead: credentials ? 'JSON holding credentials, not shown' : 'JSON' });

const labelList = z
  .string()
  .transform((text, context) => {
    const labels = text.split(',').map((label) => label.trim());
    // A doubled or trailing comma names a label no alert carries: most likely a slip, said at boot rather than looked for.
    const unnamed = labels.indexOf('');
    if (unnamed >= 0 && labels.some(Boolean)) {
      context.addIssue({ code: 'custom', message: `label ${unnamed + 1} has no name: separate the label names with single commas, such as region,country` });
      return z.NEVER;
    }
    return labels.filter(Boolean);
  })
  .pipe(z.array(z.string()).min(1, 'name at least one label'));

/** The analyzer's own variables, each with its documented default (README.md, Configuration). */
export const analyzerEnvironment = {
  HOLDFAST_CUSTOM_REGIONS: CustomRegionsVariable,
  ANALYZER_DETECTION: jsonVariable(DetectionSettingsSchema, '{}', { keyConflicts: (json) => regionKeyConflicts(regionKeysIn(json)), conflicts: detectionConflicts }),
  SAMPLE_BATCH_MAX: decimalVariable({ whole: true, unit: 'samples', min: 1, max: 5_000 }).default(1_000),
  // A sample stamped further ahead of the analyzer's clock is refused: kept, it would make every later sample of its series late.
  SAMPLE_MAX_AHEAD_SECONDS: decimalVariable({ whole: true, unit: 'seconds', min: 0 }).default(300),
  // A sample stamped further back is refused. 30 days, the half-life of the detector's memory of past
  // excursions (its longest): room for a backfill of weeks (5,000 samples in one request are 17 days at
  // five minutes), while 1970 (seconds read as milliseconds) or a year typed wrong is named to its sender.
  SAMPLE_MAX_AGE_DAYS: decimalVariable({ unit: 'days', above: 0, max: 3_650 }).default(30),
  // A region's metrics at most: a metric name carrying an id would otherwise add a detector state (about 5 KB) per sample.
  SERIES_MAX_PER_REGION: decimalVariable({ whole: true, unit: 'series', min: 1 }).default(100),
  // How long POST /v1/samples waits for Kafka before it answers 503: kafkajs's own retries last about 13 s, past a pipeline's usual 10 s timeout.
  SAMPLE_PUBLISH_TIMEOUT_MS: decimalVariable({ whole: true, unit: 'milliseconds', min: 100 }).default(5_000),
  ALERT_SENDERS: jsonVariable(AlertSendersSchema, '{}', { credentials: true }),
  ALERT_REGION_LABELS: labelList.default(['region']),
  // The alert webhooks' body limit, over HOLDFAST_MAX_BODY_BYTES: a sender posts a group's every alert at once (max_alerts: 0)
  // and retries no 413. An alert is about 850 bytes (labels, annotations, generatorURL): 16 MiB holds some 19,000 of them.
  ALERT_MAX_BODY_BYTES: decimalVariable({ whole: true, unit: 'bytes', min: 1_024, max: 64 * 1024 * 1024 }).default(16 * 1024 * 1024),
  ANALYZER_JOB_INTERVAL_MS: decimalVariable({ whole: true, unit: 'milliseconds', min: 100 }).default(5_000),
  // A critical period longer is refused as a likely typo (the year): it would hold its regions' windows for as long.
  DECLARATION_MAX_DAYS: decimalVariable({ unit: 'days', above: 0, max: 3_650 }).default(90),
  // A critical period starting further ahead is refused as a likely typo (the year): it would wait unseen, holding nothing when the
  // period meant comes. 400 days: next year's election or exam season, declared as soon as this year's is over, with a month to spare.
  DECLARATION_MAX_AHEAD_DAYS: decimalVariable({ unit: 'days', above: 0, max: 3_650 }).default(400),
  BASELINE_CHANGE_RATIO: decimalVariable({ above: 0 }).default(0.1),
  // z.url() alone takes prometheus:9090 (its scheme read as "prometheus:"), which failed at the first poll instead.
  PROMETHEUS_URL: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL such as http://prometheus:9090' }).optional(),
  PROMETHEUS_QUERIES: jsonVariable(z.array(PrometheusQuerySchema), '[]', { conflicts: queriesSharingAMetric }),
  PROMETHEUS_REGION_LABEL: z.string().min(1).default('region'),
  PROMETHEUS_INTERVAL_SECONDS: decimalVariable({ unit: 'seconds', above: 0 }).default(15),
};

export interface AnalyzerSettings {
  customRegions: CustomRegion[];
  detection: { defaults: RegionPolicy; regions: Record<string, Partial<RegionPolicy>> };
  sampleBatchMax: number;
  sampleMaxAheadMs: number;
  sampleMaxAgeMs: number;
  seriesMaxPerRegion: number;
  samplePublishTimeoutMs: number;
  alertSenders: Partial<Record<AlertSender, SenderCredential>>;
  alertRegionLabels: string[];
  alertMaxBodyBytes: number;
  jobIntervalMs: number;
  declarationMaxMs: number;
  declarationMaxAheadMs: number;
  baselineChangeRatio: number;
  prometheus: { url: string | undefined; queries: PrometheusQuery[]; regionLabel: string; intervalMs: number };
}

type AnalyzerEnvironment = z.infer<z.ZodObject<typeof analyzerEnvironment>>;

// A key this close to a declared custom region's code is that code mistyped (eu-wset).
const MEANT_REGION_MAX_EDITS = 2;

/**
 * Whether a custom region's code among ANALYZER_DETECTION's keys names one depends on HOLDFAST_CUSTOM_REGIONS.
 * The keys are read from the JSON as given, so a key is checked even while a value of the variable is refused.
 */
const customRegionKeysDeclared: CheckBetweenVariables<AnalyzerEnvironment, 'HOLDFAST_CUSTOM_REGIONS'> = {
  reads: ['HOLDFAST_CUSTOM_REGIONS'],
  problems: ({ HOLDFAST_CUSTOM_REGIONS: customRegions }, given) => {
    const detection = given.ANALYZER_DETECTION?.trim() ? jsonIn(given.ANALYZER_DETECTION) : undefined;
    const catalog = new RegionCatalog(customRegions);
    // The other keys no region can have are ANALYZER_DETECTION's own refusal (regionKeyConflicts).
    const undeclared = regionKeysIn(detection?.json).filter((key) => !catalog.find(key) && CustomRegionSchema.shape.code.safeParse(key).success);
    if (undeclared.length === 0) return [];
    const declared = customRegions.map(({ code }) => code);
    const meant = undeclared.flatMap((key) => {
      const [nearest] = declared.map((code) => ({ code, edits: leven(key, code) })).sort((one, other) => one.edits - other.edits);
      return nearest && nearest.edits <= MEANT_REGION_MAX_EDITS ? [`${nearest.code} for ${key}`] : [];
    });
    const hint = meant.length > 0 ? `did you mean ${meant.join(', ')}?` : `HOLDFAST_CUSTOM_REGIONS declares ${declared.length > 0 ? declared.join(', ') : 'none'}`;
    return [{ variable: 'ANALYZER_DETECTION', message: `${unknownRegions(undeclared)}; ${hint}` }];
  },
};

/** The analyzer's checks between its variables, made on those that read well and said with every other refusal. */
export const analyzerChecks: CheckBetweenVariables<AnalyzerEnvironment>[] = [customRegionKeysDeclared];

export function analyzerSettings(env: AnalyzerEnvironment): AnalyzerSettings {
  // Every key names a region by now: analyzerChecks and ANALYZER_DETECTION's own checks refuse any other.
  const catalog = new RegionCatalog(env.HOLDFAST_CUSTOM_REGIONS);
  // Keyed as the catalog spells a region, since every lookup asks for that code: 'ir' configures IR.
  const regions = Object.fromEntries(Object.entries(env.ANALYZER_DETECTION.regions).map(([key, own]) => [catalog.find(key)!.code, own]));
  const defaults = { ...DEFAULT_REGION_POLICY, ...env.ANALYZER_DETECTION.defaults };
  return {
    customRegions: env.HOLDFAST_CUSTOM_REGIONS,
    detection: { defaults, regions },
    sampleBatchMax: env.SAMPLE_BATCH_MAX,
    sampleMaxAheadMs: env.SAMPLE_MAX_AHEAD_SECONDS * 1_000,
    sampleMaxAgeMs: env.SAMPLE_MAX_AGE_DAYS * 86_400_000,
    seriesMaxPerRegion: env.SERIES_MAX_PER_REGION,
    samplePublishTimeoutMs: env.SAMPLE_PUBLISH_TIMEOUT_MS,
    alertSenders: env.ALERT_SENDERS,
    alertRegionLabels: env.ALERT_REGION_LABELS,
    alertMaxBodyBytes: env.ALERT_MAX_BODY_BYTES,
    jobIntervalMs: env.ANALYZER_JOB_INTERVAL_MS,
    declarationMaxMs: env.DECLARATION_MAX_DAYS * 86_400_000,
    declarationMaxAheadMs: env.DECLARATION_MAX_AHEAD_DAYS * 86_400_000,
    baselineChangeRatio: env.BASELINE_CHANGE_RATIO,
    prometheus: {
      url: env.PROMETHEUS_URL,
      queries: env.PROMETHEUS_QUERIES,
      regionLabel: env.PROMETHEUS_REGION_LABEL,
      intervalMs: env.PROMETHEUS_INTERVAL_SECONDS * 1000,
    },
  };
}

/** The keys of ANALYZER_DETECTION's `regions` as given, whatever their values; none where it holds no object. */
function regionKeysIn(json: unknown): string[] {
  const regions = json !== null && typeof json === 'object' ? (json as Record<string, unknown>).regions : undefined;
  return regions !== null && typeof regions === 'object' && !Array.isArray(regions) ? Object.keys(regions) : [];
}

/**
 * What ANALYZER_DETECTION's region keys contradict, told without HOLDFAST_CUSTOM_REGIONS: a key no
 * region can have (UK for GB; a custom region's code is lower case, 3 characters or more), two keys
 * of one country.
 */
function regionKeyConflicts(keys: readonly string[]): string[] {
  const countries = new RegionCatalog();
  const problems: string[] = [];
  const noRegion = keys.filter((key) => !countries.find(key) && !CustomRegionSchema.shape.code.safeParse(key).success);
  if (noRegion.length > 0) problems.push(unknownRegions(noRegion));
  // A country is found in any case ('ir' is IR): two keys of one would leave one of them unused without a word.
  const keysOf = new Map<string, string[]>();
  for (const key of keys) {
    const country = countries.find(key);
    if (country) keysOf.set(country.code, [...(keysOf.get(country.code) ?? []), key]);
  }
  const repeated = [...keysOf].filter(([, keys]) => keys.length > 1).map(([code, keys]) => `${keys.slice(0, -1).join(', ')} and ${keys.at(-1)}, which are the same region ${code}`);
  if (repeated.length > 0) problems.push(`regions names ${repeated.join('; ')}: keep one`);
  return problems;
}

/** What ANALYZER_DETECTION's values contradict each other in: a warm-up ceiling below minimumVolume. */
function detectionConflicts({ defaults, regions }: DetectionSettings): string[] {
  return ceilingsBelowMinimumVolume(defaults, { ...DEFAULT_REGION_POLICY, ...defaults }, Object.entries(regions));
}

/** Region keys the catalog does not know would be configured for nothing, without a word. */
function unknownRegions(keys: readonly string[]): string {
  return `regions names ${keys.join(', ')}, which the region catalog does not know: use ISO 3166-1 alpha-2 codes (GB, not UK) or custom regions declared in HOLDFAST_CUSTOM_REGIONS (GET /v1/regions lists them)`;
}

/**
 * A warm-up ceiling below minimumVolume would start surges minimumVolume refuses (a value between the
 * two starts one), so the combination is refused for the defaults and for each configured region,
 * naming where each field was set.
 */
function ceilingsBelowMinimumVolume(given: Partial<RegionPolicy>, defaults: RegionPolicy, regions: [key: string, own: Partial<RegionPolicy>][]): string[] {
  const problems: string[] = [];
  const check = (owner: string, own: Partial<RegionPolicy>, policy: RegionPolicy) => {
    if (policy.warmupCeiling === null || policy.warmupCeiling >= policy.minimumVolume) return;
    // The built-in defaults (no ceiling, a volume of 0) never conflict: one of the two was set, here or in defaults.
    const where = (field: keyof RegionPolicy) => (Object.hasOwn(own, field) ? `${owner}.${field}` : `defaults.${field}`);
    problems.push(
      `${where('warmupCeiling')} ${policy.warmupCeiling} is below ${where('minimumVolume')} ${policy.minimumVolume}${owner === 'defaults' ? '' : ` for ${owner}`}: a warm-up surge would start where minimumVolume allows none; set warmupCeiling to ${policy.minimumVolume} or more, or lower minimumVolume`,
    );
  };
  check('defaults', given, defaults);
  for (const [key, own] of regions) if (Object.hasOwn(own, 'warmupCeiling') || Object.hasOwn(own, 'minimumVolume')) check(`regions.${key}`, own, { ...defaults, ...own });
  return problems;
}

/**
 * Two queries of one metric make one series of each region both answer: stamped at the same instant
 * every poll, the second's sample is dropped as not newer than the first, without a word.
 */
function queriesSharingAMetric(queries: readonly PrometheusQuery[]): string[] {
  const indexesOf = new Map<string, number[]>();
  queries.forEach((query, index) => indexesOf.set(query.metric, [...(indexesOf.get(query.metric) ?? []), index]));
  return [...indexesOf]
    .filter(([, indexes]) => indexes.length > 1)
    .map(
      ([metric, indexes]) =>
        `${indexes.slice(0, -1).join(', ')} and ${indexes.at(-1)} have the same metric ${metric} (${indexes.map((index) => `"${queries[index].query}"`).join(', ')}): a region both answer would keep only one of their samples each poll; join them into one query (a or b) or give each its own metric`,
    );
}

/** A region's policy: its own overrides over the defaults. */
export function policyOf(settings: AnalyzerSettings, region: string): RegionPolicy {
  const own = Object.hasOwn(settings.detection.regions, region) ? settings.detection.regions[region] : undefined;
  return own ? { ...settings.detection.defaults, ...own } : settings.detection.defaults;
}
