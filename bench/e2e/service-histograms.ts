/**
 * The services' own latency histograms (GET /metrics, Prometheus text), read before and after the
 * counted surges so the difference covers those surges only, with quantiles estimated the way
 * Prometheus's histogram_quantile does (linear within a bucket).
 */

/** The messaging library's histograms of each hop's parts: consumer fetch wait, transaction (and its commit), offset commit, relay steps. */
export const HOP_HISTOGRAMS = ['holdfast_event_fetch_wait_seconds', 'holdfast_event_handle_seconds', 'holdfast_event_transaction_commit_seconds', 'holdfast_offset_commit_seconds', 'holdfast_outbox_relay_seconds'];

/** Cumulative bucket counts per series: "name{labels}" -> upper bound -> count. */
export type HistogramSnapshot = Map<string, Map<number, number>>;

const BUCKET_LINE = /^(\w+)_bucket\{(.*)\} (\S+)$/;

export async function scrapeHistograms(baseUrl: string, names: readonly string[]): Promise<HistogramSnapshot> {
  return parseHistograms(await (await fetch(`${baseUrl}/metrics`)).text(), names);
}

export function parseHistograms(text: string, names: readonly string[]): HistogramSnapshot {
  const snapshot: HistogramSnapshot = new Map();
  for (const line of text.split('\n')) {
    const match = BUCKET_LINE.exec(line);
    if (!match || !names.includes(match[1])) continue;
    const labels = match[2].split(',').filter((label) => !label.startsWith('le=') && !label.startsWith('service='));
    const le = /le="([^"]+)"/.exec(match[2])![1];
    const series = `${match[1]}{${labels.join(',')}}`;
    const buckets = snapshot.get(series) ?? new Map<number, number>();
    buckets.set(le === '+Inf' ? Infinity : Number(le), Number(match[3]));
    snapshot.set(series, buckets);
  }
  return snapshot;
}

export interface HistogramSummary {
  series: string;
  count: number;
  p50Ms: number;
  p99Ms: number;
}

/** What was observed between the two snapshots, per series with observations. */
export function summarize(before: HistogramSnapshot, after: HistogramSnapshot): HistogramSummary[] {
  const summaries: HistogramSummary[] = [];
  for (const [series, buckets] of after) {
    const bounds = [...buckets.keys()].sort((a, b) => a - b);
    const counts = bounds.map((bound) => buckets.get(bound)! - (before.get(series)?.get(bound) ?? 0));
    const count = counts.at(-1)!;
    if (count === 0) continue;
    const quantile = (q: number) => {
      const rank = q * count;
      const index = counts.findIndex((cumulative) => cumulative >= rank);
      const upper = bounds[index];
      const lower = index === 0 ? 0 : bounds[index - 1];
      if (upper === Infinity) return lower * 1000;
      const below = index === 0 ? 0 : counts[index - 1];
      return (lower + ((upper - lower) * (rank - below)) / (counts[index] - below)) * 1000;
    };
    summaries.push({ series, count, p50Ms: quantile(0.5), p99Ms: quantile(0.99) });
  }
  return summaries.sort((a, b) => a.series.localeCompare(b.series));
}
