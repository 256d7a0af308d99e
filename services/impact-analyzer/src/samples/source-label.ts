/** Distinct pipeline names a process gives a series of their own in the samples metric. */
export const SOURCE_LABELS_MAX = 50;

/**
 * A sample's `source` as the samples metric's label. The name is the sender's free text (up to 100
 * characters): a pipeline that put a host or a request id in it would otherwise make a metric
 * series per sample and swell every scrape. The first SOURCE_LABELS_MAX names seen keep their own
 * series, later ones count as `other`; control characters, which a scraper's text format has no
 * business carrying, are shown as U+FFFD. A process has one (SamplesModule provides it), shared by
 * the consumer and the HTTP intake, so "the first names a process sees" holds across both.
 */
export class SourceLabels {
  private readonly known = new Map<string, string>();

  constructor(private readonly max = SOURCE_LABELS_MAX) {}

  of(source: string): string {
    const known = this.known.get(source);
    if (known !== undefined) return known;
    if (this.known.size >= this.max) return 'other';
    // eslint-disable-next-line no-control-regex -- control characters are what is being replaced
    const label = source.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD');
    this.known.set(source, label);
    return label;
  }
}

/**
 * The source a sample refused at HTTP intake is counted under when its own `source` is missing or no
 * pipeline name: empty, which the contract refuses as a pipeline's name (at least one character), so
 * a pipeline that calls itself anything, http included, is never counted with these. Prometheus
 * stores an empty label as none: such samples are the series without a source.
 */
export const UNREAD_SOURCE = '';

/** The samples metric's help, for the consumer and the HTTP intake that both count into it. */
export const SAMPLES_IN_HELP = `Samples in, by source (the pipeline named in the sample, the first ${SOURCE_LABELS_MAX} names a process sees, later ones as other; empty, source="", for a sample refused at HTTP intake whose source is missing or malformed) and outcome (assessed, late: no later than the series' last sample taken, refused); a message that breaks the contract is dead-lettered before its source can be read, and counted in holdfast_events_consumed_total instead`;
