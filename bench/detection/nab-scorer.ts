/**
 * NAB's scorer, after numenta/NAB nab/sweeper.py (calcSweepScore, calcScoreByThreshold) and the
 * corpus normalisation in nab/runner.py: each row gets a weight from the scaled sigmoid of its
 * position relative to the labelled windows; a window scores its best detection (or -fnWeight
 * when missed), detections outside windows add their (negative) weight, rows in the probationary
 * period are ignored; the corpus raw score is normalised so the null detector is 0 and a perfect one 100.
 */

export interface CostMatrix {
  tpWeight: number;
  fnWeight: number;
  fpWeight: number;
}

export const STANDARD_PROFILE: CostMatrix = { tpWeight: 1, fnWeight: 1, fpWeight: 0.11 };
export const PROBATION_PERCENT = 0.15;

/** A labelled anomaly window, as instants in ms. */
export interface AnomalyWindow {
  start: number;
  end: number;
}

export interface FileScore {
  /** Raw NAB score of the detections. */
  raw: number;
  /** Raw score of the null detector (every scorable window missed). */
  nullScore: number;
  /** Score of a perfect detector: one per labelled window. */
  perfect: number;
  windows: number;
  detectedWindows: number;
  /** Detections after the probationary period, and how many of them fell inside a window. */
  detections: number;
  detectionsInWindows: number;
  /** Samples from each detected window's start to its first detection. */
  delays: number[];
  /** Where the raw score lost points against a perfect one: missed windows, late detections, false alarms. */
  lostToMisses: number;
  lostToLateness: number;
  lostToFalseAlarms: number;
}

export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

export function probationaryLength(rows: number, percent = PROBATION_PERCENT): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

/**
 * Scores one file. `detections[i]` is the anomaly score of row i; rows scoring at least
 * `threshold` are detections. Windows are entered at the first row at or after their start
 * (NAB requires the exact timestamp, which labels always give) and left at their last row.
 */
export function scoreFile(
  timestamps: readonly number[],
  anomalyScores: readonly number[],
  labelled: readonly AnomalyWindow[],
  threshold = 0.5,
  cost: CostMatrix = STANDARD_PROFILE,
): FileScore {
  const windows = [...labelled].sort((a, b) => a.start - b.start);
  const probation = probationaryLength(timestamps.length);
  const maxTp = scaledSigmoid(-1);
  const windowScore = new Map<number, number>();
  const windowFirstDetection = new Map<number, number>();
  const windowStartIndex = new Map<number, number>();
  let fpScore = 0;
  let detections = 0;
  let detectionsInWindows = 0;

  let next = 0;
  let current: { id: number; right: number; width: number } | null = null;
  let previous: { right: number; width: number } | null = null;
  for (let i = 0; i < timestamps.length; i++) {
    while (!current && next < windows.length && timestamps[i] >= windows[next].start) {
      const window = windows[next++];
      let right = i;
      while (right + 1 < timestamps.length && timestamps[right + 1] <= window.end) right++;
      if (timestamps[i] <= window.end) {
        current = { id: next - 1, right, width: right - i + 1 };
        windowStartIndex.set(current.id, i);
      }
    }
    let weight: number;
    if (current) {
      weight = (scaledSigmoid(-(current.right - i + 1) / current.width) * cost.tpWeight) / maxTp;
    } else {
      const position = previous === null ? 3 : Math.abs(previous.right - i) / Math.max(previous.width - 1, 1);
      weight = scaledSigmoid(position) * cost.fpWeight;
    }
    if (i >= probation) {
      if (current && !windowScore.has(current.id)) windowScore.set(current.id, -cost.fnWeight);
      if (anomalyScores[i] >= threshold) {
        detections++;
        if (current) {
          detectionsInWindows++;
          windowScore.set(current.id, Math.max(windowScore.get(current.id)!, weight));
          if (!windowFirstDetection.has(current.id)) windowFirstDetection.set(current.id, i);
        } else {
          fpScore += weight;
        }
      }
    }
    if (current && i === current.right) {
      previous = { right: current.right, width: current.width };
      current = null;
    }
  }

  const scorable = windowScore.size;
  let raw = fpScore;
  let lostToMisses = 0;
  let lostToLateness = 0;
  for (const score of windowScore.values()) {
    raw += score;
    if (score === -cost.fnWeight) lostToMisses += cost.tpWeight + cost.fnWeight;
    else lostToLateness += cost.tpWeight - score;
  }
  return {
    raw,
    nullScore: -cost.fnWeight * scorable,
    perfect: cost.tpWeight * windows.length,
    windows: windows.length,
    detectedWindows: windowFirstDetection.size,
    detections,
    detectionsInWindows,
    delays: [...windowFirstDetection].map(([id, index]) => index - windowStartIndex.get(id)!),
    lostToMisses,
    lostToLateness,
    lostToFalseAlarms: -fpScore,
  };
}

/** NAB's normalisation over a set of files: 100 * (raw - null) / (perfect - null), on the sums. */
export function normalisedScore(files: readonly Pick<FileScore, 'raw' | 'nullScore' | 'perfect'>[]): number | null {
  const raw = files.reduce((sum, f) => sum + f.raw, 0);
  const nullScore = files.reduce((sum, f) => sum + f.nullScore, 0);
  const perfect = files.reduce((sum, f) => sum + f.perfect, 0);
  return perfect === nullScore ? null : (100 * (raw - nullScore)) / (perfect - nullScore);
}
