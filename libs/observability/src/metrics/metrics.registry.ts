import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const TIME_ZONE_RULES_HELP = 'Always 1: the IANA time zone database release (tzdata) and ICU version this process judges local times by';

/** The time zone rules this process applies, as Node reports them. */
export const timeZoneRules = (): { tzdata: string; icu: string } => ({ tzdata: process.versions.tz ?? 'unknown', icu: process.versions.icu ?? 'unknown' });

/**
 * One registry per application instance rather than prom-client's global one, so several
 * services can run in one process (as the end-to-end tests do) without clashing names.
 */
export class MetricsRegistry {
  readonly registry = new Registry();
  private readonly metrics = new Map<string, Counter | Gauge | Histogram>();

  constructor(service: string, withProcessMetrics = true) {
    this.registry.setDefaultLabels({ service });
    if (withProcessMetrics) collectDefaultMetrics({ register: this.registry });
    // Every local time (a window's runs, a slot, the detector's hour of the week) follows the rules Node's ICU carries: replicas on
    // different Node builds can place the same run an hour apart in a zone whose rules changed between their tzdata releases.
    this.gauge('holdfast_time_zone_rules_info', TIME_ZONE_RULES_HELP, ['tzdata', 'icu']).set(timeZoneRules(), 1);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return this.getOrCreate(name, () => new Counter({ name, help, labelNames, registers: [this.registry] })) as Counter<L>;
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return this.getOrCreate(name, () => new Gauge({ name, help, labelNames, registers: [this.registry] })) as Gauge<L>;
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]): Histogram<L> {
    return this.getOrCreate(
      name,
      () => new Histogram({ name, help, labelNames, buckets: buckets ?? [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [this.registry] }),
    ) as Histogram<L>;
  }

  private getOrCreate(name: string, create: () => Counter | Gauge | Histogram): Counter | Gauge | Histogram {
    let metric = this.metrics.get(name);
    if (!metric) {
      metric = create();
      this.metrics.set(name, metric);
    }
    return metric;
  }
}
