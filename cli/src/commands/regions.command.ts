import { DateTime } from 'luxon';
import { MissingInputError } from '../cli-io';
import { expectOk, reach } from '../client/holdfast-api';
import { firstArgument, printJson, regionCode, requiredText, text, type Command } from '../command';
import { localTime, utcTime } from '../output/local-times';
import { regionZones } from '../output/region-zones';
import { fields, table } from '../output/table';

interface RegionView {
  code: string;
  name: string;
  kind: 'country' | 'custom';
  /** Where its local times are shown and its hour-of-week baseline is counted. */
  zone: string;
  /** Every IANA zone in use in it. */
  zones: string[];
}

interface MetricBaselineView {
  metric: string;
  zone: string;
  /** The expected level per hour of the week, index (isoWeekday - 1) * 24 + local hour; null where nothing is learned. */
  values: (number | null)[];
  /** The samples behind each hour of the week. */
  sampleCounts: number[];
  sampleCount: number;
  /** Absent from an analyzer before 2026-12-06. */
  warmUp?: { learnedHours: number; neededHours: number; warmupCeiling: number | null } | null;
  lastSampleAt: string | null;
  signalLostAt: string | null;
}

/** The region's detection settings in force, named as ANALYZER_DETECTION names them. */
interface DetectionView {
  sensitivity: number;
  coolDownSamples: number;
  rearmAfterSamples: number;
  directions: ('up' | 'down')[];
  minimumVolume: number;
  warmupSamples: number;
  warmupCeiling: number | null;
  onSignalLoss: string;
  signalLossAfterSeconds: number;
}

interface BaselineView {
  region: string;
  /** Absent from an analyzer built before it (later on 2026-12-07). */
  detection?: DetectionView;
  metrics: MetricBaselineView[];
}

interface RetiredSeriesView {
  region: string;
  metric: string;
  lastSampleAt: string | null;
  signalLostAt: string | null;
  retiredAt: string;
  /** The detector's surges of the series that were active (a lost signal's hold among them), cleared with the reason. */
  clearedSurges: string[];
}

// A country such as the US spans dozens of zones: the first few say what kind of region it is, --json lists them all.
const ZONES_SHOWN = 3;
const otherZones = (region: RegionView) => {
  const others = region.zones.filter((zone) => zone !== region.zone);
  return others.length > ZONES_SHOWN ? `${others.slice(0, ZONES_SHOWN).join(', ')} and ${others.length - ZONES_SHOWN} more` : others.join(', ') || '-';
};

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HOURS = Array.from({ length: 24 }, (_, hour) => hour);
// Three significant digits in at most five characters (1.23K, 0.05), so a day's 24 hours fit a terminal row.
// Made on first use: building it loads ICU's compact notation, 22 ms of every command's start.
let level: Intl.NumberFormat | undefined;

/** One row per local weekday: the expected level of each local hour over the samples behind it. */
function hourOfWeekTable(baseline: MetricBaselineView): string {
  return table(
    [`LOCAL (${baseline.zone})`, ...HOURS.map((hour) => String(hour).padStart(2, '0'))],
    WEEKDAYS.map((day, weekday) => [
      [day, '  samples'],
      ...HOURS.map((hour) => {
        const value = baseline.values[weekday * 24 + hour];
        return [value === null ? '-' : (level ??= new Intl.NumberFormat('en', { notation: 'compact', maximumSignificantDigits: 3 })).format(value), String(baseline.sampleCounts[weekday * 24 + hour])];
      }),
    ]),
  );
}

/** "2026-06-14 19:45 UTC; 2026-06-14 23:15 Asia/Tehran (+03:30)" */
const utcAndLocal = (instant: string | null, zone: string) => (instant ? `${utcTime(instant)}; ${localTime(instant, zone)}` : '-');

const planner = 'maintenance-planner';
const analyzer = 'impact-analyzer';

export const regionCommands: Command[] = [
  {
    name: 'regions list',
    usage: 'holdfast regions [list]',
    summary: "every region a window or hold may name (ISO countries, then custom regions) with the zone its local times are shown in and that zone's offset now",
    async run(context) {
      const body = expectOk<{ items: RegionView[] }>(await reach(() => context.api.planner.GET('/v1/regions'), planner));
      if (context.json) return printJson(context.io, body);
      const now = context.io.now();
      context.io.out(
        table(
          ['REGION', 'NAME', 'KIND', 'ZONE', 'OFFSET NOW', 'OTHER ZONES'],
          body.items.map((region) => [region.code, region.name, region.kind, region.zone, DateTime.fromMillis(now, { zone: region.zone }).toFormat('ZZ'), otherZones(region)]),
        ),
      );
    },
  },
  {
    name: 'regions baseline',
    argument: 'REGION',
    usage: 'holdfast regions baseline REGION [--metric M]',
    summary: "the impact-analyzer's learned hour-of-week traffic profile of a region: per local weekday, each hour's expected level and the samples behind it; then the region's detection settings in force",
    options: { metric: { type: 'string' } },
    async run(context) {
      const region = regionCode(firstArgument(context, 'region code'));
      const metric = text(context.values, 'metric');
      const body = expectOk<BaselineView>(await reach(() => context.api.analyzer.GET('/v1/regions/{region}/baseline', { params: { path: { region }, query: { metric } } }), analyzer));
      if (context.json) return printJson(context.io, body);
      const now = new Date(context.io.now()).toISOString();
      for (const [index, baseline] of body.metrics.entries()) {
        const local = (instant: string | null) => utcAndLocal(instant, baseline.zone);
        context.io.out(
          `${index > 0 ? '\n' : ''}${fields([
            ['region', `${body.region} (${baseline.zone})`],
            ['metric', baseline.metric],
            ['samples', String(baseline.sampleCount)],
            ...warmUpLine(baseline),
            ['last sample', local(baseline.lastSampleAt)],
            ['signal', baseline.signalLostAt ? `lost since ${local(baseline.signalLostAt)}` : 'receiving'],
            ['now', `${DateTime.fromISO(now, { zone: baseline.zone, locale: 'en' }).toFormat('ccc')} ${localTime(now, baseline.zone)}`],
          ])}`,
        );
        context.io.out(hourOfWeekTable(baseline));
        // The detector leans on the same hour of other days until an hour of the week has samples of its own.
        if (baseline.values.some((value, hour) => value !== null && baseline.sampleCounts[hour] === 0)) {
          context.io.out('An hour with a level over 0 samples has none of its own yet: its level is the one learned at that hour on the other days.\n');
        }
      }
      if (body.detection) context.io.out(`\n${fields([['detection', detectionLines(body.detection)]])}`);
    },
  },
  {
    name: 'regions retire-series',
    argument: 'REGION METRIC',
    usage: 'holdfast regions retire-series REGION METRIC --reason TEXT',
    summary: "retire a region's series (a metric renamed or dropped): the analyzer forgets it and clears its detector surges, a lost signal's hold among them, with the reason",
    options: { reason: { type: 'string' } },
    async run(context) {
      const region = regionCode(firstArgument(context, 'region code'));
      const metric = context.positionals[1];
      if (!metric) throw new MissingInputError(`give the metric to retire after the region; holdfast regions baseline ${region} lists its metrics`);
      const reason = requiredText(context, 'reason');
      const retired = expectOk<RetiredSeriesView>(
        await reach(() => context.api.analyzer.DELETE('/v1/regions/{region}/series/{metric}', { params: { path: { region, metric }, query: { reason } } }), analyzer),
      );
      if (context.json) return printJson(context.io, retired);
      const zone = (await regionZones(context.api))(retired.region);
      const local = (instant: string | null) => utcAndLocal(instant, zone);
      context.io.out(
        fields([
          ['series', `${retired.metric}, retired (a sample of it arriving later starts it afresh)`],
          ['region', `${retired.region} (${zone})`],
          ['last sample', local(retired.lastSampleAt)],
          ['signal', retired.signalLostAt ? `lost since ${local(retired.signalLostAt)}` : 'was receiving'],
          ['retired', local(retired.retiredAt)],
          ['cleared surges', retired.clearedSurges],
        ]),
      );
    },
  },
];

/**
 * The region's detection settings, as ANALYZER_DETECTION writes them, to be changed there. Directions say what they
 * leave out: a list is the directions reported, and ["down"] was read as "collapses too".
 */
function detectionLines(detection: DetectionView): string[] {
  const { directions } = detection;
  const leftOut = !directions.includes('down') ? ': surges up only, no collapse' : !directions.includes('up') ? ': collapses only, no surge up' : '';
  return [
    `sensitivity ${detection.sensitivity}, directions ${JSON.stringify(directions)}${leftOut}`,
    `coolDownSamples ${detection.coolDownSamples}, rearmAfterSamples ${detection.rearmAfterSamples}, minimumVolume ${detection.minimumVolume}`,
    `warmupSamples ${detection.warmupSamples}, warmupCeiling ${JSON.stringify(detection.warmupCeiling)}`,
    `onSignalLoss ${detection.onSignalLoss}, signalLossAfterSeconds ${detection.signalLossAfterSeconds}`,
  ];
}

/** Whether the series decides yet: a sample that surged nothing on a region still learning is the first thing a newcomer meets. */
function warmUpLine({ warmUp }: MetricBaselineView): [string, string][] {
  if (warmUp === undefined) return [];
  if (warmUp === null) return [['decides', 'yes: on its learned baseline']];
  const meanwhile =
    warmUp.warmupCeiling === null
      ? 'until then no sample surges (set a warm-up ceiling in ANALYZER_DETECTION to decide meanwhile)'
      : `until then a sample at or above the warm-up ceiling ${warmUp.warmupCeiling} surges`;
  return [['decides', `not yet: warming up, ${warmUp.learnedHours} of the ${warmUp.neededHours} hours of samples it learns first; ${meanwhile}`]];
}
