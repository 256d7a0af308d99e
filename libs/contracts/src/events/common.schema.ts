import leven from 'leven';
import { z } from 'zod';
import { BidiSafeText } from '../bidi-controls';

/** ISO 3166-1 alpha-2 in upper case ('IR'), or a custom lower-case code of 3-32 characters ('eu-west'). */
export const RegionCodeSchema = z
  .string()
  // Custom codes need 3+ characters so 'ir' can never be mistaken for the country 'IR'.
  .regex(/^(?:[A-Z]{2}|(?=.{3,32}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/, {
    error: 'must be an ISO 3166-1 alpha-2 code in upper case (IR) or a custom lower-case code of 3-32 characters (eu-west)',
  })
  .meta({ description: 'Region code: ISO 3166-1 alpha-2 (IR) or a custom code (eu-west).', examples: ['IR', 'eu-west'] });
export type RegionCode = z.infer<typeof RegionCodeSchema>;

/** A region code in the forms people and pipelines write it: a country's in either case ('ir'); what the intake converts (inContractForm). */
export const AnyCaseRegionCodeSchema = z
  .string()
  .regex(/^(?:[A-Za-z]{2}|(?=.{3,32}$)[a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/, { error: 'must be an ISO 3166-1 alpha-2 code (IR) or a custom lower-case code of 3-32 characters (eu-west)' })
  .meta({ description: 'Region code: ISO 3166-1 alpha-2 in either case (IR or ir, kept as IR) or a custom code (eu-west).', examples: ['IR', 'eu-west'] });

/**
 * A region code as an HTTP request names it: a country's in either case, kept in upper case, as the
 * gate's `regions`, a sample's `region`, an alert's label and a declaration take it. Events carry
 * RegionCodeSchema's form only.
 */
export const RequestRegionCodeSchema = AnyCaseRegionCodeSchema.overwrite((code) => (code.length === 2 ? code.toUpperCase() : code));

/** Regions a request lists: at least one, none twice (ir and IR are one). */
export const RequestRegionListSchema = z
  .array(RequestRegionCodeSchema)
  .min(1, { error: 'must name at least one region' })
  .refine((codes) => new Set(codes).size === codes.length, { error: 'must not repeat a region' });

/** PostgreSQL, which keeps every instant Holdfast is given, reads no year 0000 (it writes that year 1 BC). */
export const isAfterYearZero = (text: string): boolean => !text.startsWith('0000');
const YEAR_ZERO_ERROR = 'must fall within the years 0001-9999: there is no year 0000 to keep';

// A date and time with nothing after it: read somewhere, but nothing says where.
const LOCAL_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?$/;

/** Why a date and time written with no offset is no instant, or undefined for any other input. */
export const localTimeRefusal = (input: unknown): string | undefined =>
  typeof input === 'string' && LOCAL_DATE_TIME.test(input) ? `must be an instant, and ${input} has no offset, so it names none: write it in UTC (${input}Z)` : undefined;

const instantError = (input: unknown): string => localTimeRefusal(input) ?? 'must be an ISO-8601 UTC instant ending in Z, such as 2026-06-14T21:00:00Z';

/** An instant: ISO-8601 in UTC with a trailing Z; offsets are refused so every service compares like with like. */
export const InstantSchema = z.iso
  // A missing instant is left to the caller's error map, which says it is missing.
  .datetime({ error: (issue) => (issue.input === undefined ? undefined : instantError(issue.input)), abort: true })
  .refine(isAfterYearZero, { error: YEAR_ZERO_ERROR })
  .meta({ description: 'ISO-8601 instant in UTC (trailing Z).', examples: ['2026-06-14T21:00:00Z'] });

// Building an Intl.DateTimeFormat costs tens of microseconds and every event carries zones in each
// local time, so names found valid are remembered. Valid names are a finite set (the IANA list and
// its aliases); the bound keeps a stream of odd but valid spellings from growing it without end.
const KNOWN_ZONES_LIMIT = 2048;
const knownZones = new Set<string>();

// Intl also accepts fixed offsets ('+03:30'); Holdfast stores zone names because offsets change (DESIGN.md).
const looksLikeZoneName = (name: string): boolean => /^[A-Za-z]/.test(name);

// Intl also takes names with no place in them: ICU's own abbreviations, some misleading ("BST" is
// Asia/Dhaka, "IST" Asia/Calcutta), tzdb's old names (GMT, EST5EDT, Japan) and ICU's SystemV zones.
const ZONE_NAME = /^(?:UTC|(?!SystemV\/)[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)+)$/;

/**
 * Whether a name is a time zone Holdfast keeps and computes with: an IANA Area/Location name Intl
 * knows (Asia/Tehran, Etc/GMT+3, Asia/Calcutta), or UTC. The one rule of events, requests,
 * configured regions and libs/time.
 */
export function isZoneName(name: string): boolean {
  if (knownZones.has(name)) return true;
  if (!ZONE_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return false;
  }
  if (knownZones.size < KNOWN_ZONES_LIMIT) knownZones.add(name);
  return true;
}

// leven (sindresorhus): a maintained edit distance, to name the zone a misspelt one meant.
const MEANT_ZONE_MAX_EDITS = 3;

/** Every IANA zone with its name and city in lower case, listed on the first refusal that needs them. */
let zoneSpellings: { zone: string; name: string; city: string }[] | undefined;
const spellings = () =>
  // Node 24 lists no UTC among its zones; it is the one a slip such as "UTX" most likely meant.
  (zoneSpellings ??= ['UTC', ...Intl.supportedValuesOf('timeZone')].map((zone) => {
    const name = zone.toLowerCase();
    return { zone, name, city: name.slice(name.lastIndexOf('/') + 1) };
  }));

/**
 * The IANA zone a misspelt name or a bare city most likely meant ("Europe/Berln", "Los Angeles":
 * Europe/Berlin, America/Los_Angeles), if one is close enough; read only on a refusal.
 */
export function meantZoneName(name: string): string | undefined {
  const asked = name.toLowerCase();
  // ISO 8601 writes UTC as Z (and pilots say Zulu): nothing a letter or three away, such as Gaza.
  if (asked === 'z') return 'UTC';
  let meant: string | undefined;
  // A name as short as the edits that would change it resembles every zone alike ("ab": Aden).
  let fewest = Math.min(MEANT_ZONE_MAX_EDITS + 1, asked.length);
  for (const { zone, name: spelt, city } of spellings()) {
    const edits = Math.min(leven(asked, spelt), leven(asked, city));
    if (edits < fewest) [meant, fewest] = [zone, edits];
  }
  return meant;
}

// "+03:30", "-0700", "UTC+3": an offset, which a zone's changes would leave wrong. Etc/GMT+3 is a
// zone name, taken before a refusal is worded.
const OFFSET = /^(?:UTC|GMT)?\s*[+\-\u2212]\d/i;

// "PST", "cet": an abbreviation; "Japan", "EST5EDT", "Zulu": a legacy name.
const ABBREVIATION = /^(?:[A-Z]{2,5}|[a-z]{2,5})$/;

/** The zone name ICU reads a name with no place in it as ("PST": America/Los_Angeles), if it reads it so. */
function icuReading(name: string): string | undefined {
  try {
    const zone = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    return zone !== name && isZoneName(zone) ? zone : undefined;
  } catch {
    return undefined;
  }
}

// Abbreviations ICU reads as another place than people who write them most often mean.
const MISREAD_ABBREVIATIONS: Readonly<Record<string, string>> = {
  AST: 'Atlantic Standard Time is America/Halifax',
  ART: 'Argentina Time is America/Argentina/Buenos_Aires',
  BST: 'British Summer Time is Europe/London',
  CST: 'China Standard Time is Asia/Shanghai, Cuba Standard Time America/Havana',
  ECT: 'Ecuador Time is America/Guayaquil',
  EST: 'US Eastern Time, with its summer time, is America/New_York',
  IST: 'Irish Standard Time is Europe/Dublin, Israel Standard Time Asia/Jerusalem',
  MST: 'US Mountain Time, with its summer time, is America/Denver',
  NST: 'Newfoundland Standard Time is America/St_Johns',
  SST: 'Samoa Standard Time is Pacific/Pago_Pago',
};

function placelessRefusal(name: string, readAs: string): string {
  if (!ABBREVIATION.test(name)) return `must be an IANA time zone name, not a legacy name: "${name}" is read as ${readAs}; write that (or the zone you meant)`;
  const meant = MISREAD_ABBREVIATIONS[name.toUpperCase()];
  return meant
    ? `must be an IANA time zone name, not an abbreviation: ICU reads "${name}" as ${readAs}, which may not be what was meant (${meant}); write the zone you meant`
    : `must be an IANA time zone name, not an abbreviation: "${name}" is read as ${readAs}; write that (or the zone you meant)`;
}

/**
 * Why a name is no time zone name (isZoneName), or undefined for one: what to write instead, said
 * alike by every event, request and setting that names a zone.
 */
export function zoneNameRefusal(name: string): string | undefined {
  if (isZoneName(name)) return undefined;
  if (name.trim() === '') return 'must be an IANA time zone name such as Asia/Tehran or UTC, not empty';
  if (OFFSET.test(name)) return 'must be an IANA time zone name such as Asia/Tehran, not an offset';
  const readAs = icuReading(name);
  if (readAs) return placelessRefusal(name, readAs);
  const meant = looksLikeZoneName(name) ? meantZoneName(name) : undefined;
  return meant ? `must be an IANA time zone name: did you mean ${meant}?` : `must be an IANA time zone name such as Asia/Tehran or UTC: "${name}" is not one`;
}

const ZoneName = z.refine<string>(isZoneName, { error: (issue) => zoneNameRefusal(String(issue.input)) });
const ZONE_META = { description: 'IANA time zone name.', examples: ['Asia/Tehran', 'America/Los_Angeles'] };

export const IanaZoneSchema = z.string().check(ZoneName).meta(ZONE_META);

// "PST", "EST": no zone's name, and never read as the zone tzdb or ICU has for it; tzdb's names of UTC (GMT, UCT) are.
const isAbbreviation = (name: string): boolean => ABBREVIATION.test(name) && !isZoneName(name) && icuReading(name) !== 'UTC';

/**
 * A zone as a request names it, read first in `spelling` (the planner's tzdb spelling: GMT as
 * Etc/GMT, asia/calcutta as Asia/Kolkata), then held to isZoneName. An abbreviation is never read
 * so: tzdb's EST is Panama's clock, with no summer time, where who writes EST most likely means New York.
 */
export const requestZoneSchema = (spelling: (name: string) => string) =>
  z
    .string()
    .overwrite((name) => (isAbbreviation(name) ? name : spelling(name)))
    .check(ZoneName)
    .meta(ZONE_META);

/** Prometheus-style metric name; never contains '/', which separates region and metric in baseline keys. */
export const MetricNameSchema = z
  .string()
  .regex(/^[a-zA-Z_:][a-zA-Z0-9_:.-]{0,127}$/, {
    error: 'must be a metric name of letters, digits, _ : . - (at most 128 characters, no "/")',
  })
  .meta({ description: 'Traffic metric name.', examples: ['http_requests_per_second'] });

export const EntityIdSchema = z.uuid({ error: 'must be a UUID' });

/** Who did something: a user, team or API key name, as the planner's audit log records it. */
export const ActorSchema = z.string().min(1, { error: 'must not be empty' }).max(200);

/** Human text shown to owners and on dashboards. */
export const ReasonSchema = z.string().min(1, { error: 'must explain why' }).max(2000);

/**
 * A reason a person gives in a request (a hold, a release, an override, a cancellation): text of
 * only spaces explains nothing and is refused, and so is a bidirectional control that would show it
 * as something it does not say (BidiSafeText). Events keep ReasonSchema, so one recorded before
 * these checks still decodes.
 */
// An empty one is min's to refuse: said once, not twice.
export const StatedReasonSchema = ReasonSchema.refine((text) => text.length === 0 || text.trim().length > 0, { error: 'must explain why (it is only white space)' }).check(BidiSafeText);

/** Finite and non-negative: zod 4 numbers already refuse NaN and Infinity. */
export const TrafficValueSchema = z.number().nonnegative({ error: 'must be a finite number >= 0' });

/** The largest value a sample may carry: more than any service's traffic in any unit (a petabyte a second). */
export const MAX_SAMPLE_VALUE = 1e15;

/**
 * A sample's value. Bounded where it enters: the detector squares what it learns, and a finite value
 * near 1e308 (a pipeline's placeholder for "unknown") overflowed its state to Infinity, after which
 * every later sample of the series failed to be assessed.
 */
export const SampleValueSchema = TrafficValueSchema.max(MAX_SAMPLE_VALUE, { error: 'must be at most 1e15: no traffic reaches that in any unit, so check what the pipeline sends for a value it does not know' });

const unique = (values: readonly string[]): boolean => new Set(values).size === values.length;

export const RegionListSchema = z
  .array(RegionCodeSchema)
  .min(1, { error: 'must name at least one region' })
  .refine(unique, { error: 'must not repeat a region' });

export const EntityIdListSchema = z.array(EntityIdSchema).refine(unique, { error: 'must not repeat an id' });

export const startsBeforeEnds = (range: { startsAt: string; endsAt: string }): boolean =>
  Date.parse(range.startsAt) < Date.parse(range.endsAt);

export const TimeRangeSchema = z
  .strictObject({ startsAt: InstantSchema, endsAt: InstantSchema })
  .refine(startsBeforeEnds, { error: 'must be after startsAt', path: ['endsAt'] });
export type TimeRange = z.infer<typeof TimeRangeSchema>;
