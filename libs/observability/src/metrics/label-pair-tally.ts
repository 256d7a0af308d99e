/**
 * Counts gathered over a batch by a pair of label values, so a counter is incremented once per
 * pair rather than once per item: per item, prom-client's label handling costs about as much as
 * the item's own work on a hot path.
 */
export class LabelPairTally<First, Second> {
  private readonly counts = new Map<First, Map<Second, number>>();

  add(first: First, second: Second): void {
    let bySecond = this.counts.get(first);
    if (!bySecond) this.counts.set(first, (bySecond = new Map()));
    bySecond.set(second, (bySecond.get(second) ?? 0) + 1);
  }

  forEach(use: (first: First, second: Second, count: number) => void): void {
    for (const [first, bySecond] of this.counts) for (const [second, count] of bySecond) use(first, second, count);
  }
}
