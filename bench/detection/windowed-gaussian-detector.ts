/**
 * NAB's "windowedGaussian" baseline (numenta/NAB nab/detectors/gaussian/windowedGaussian_detector.py):
 * the anomaly score of a value is the normal CDF of its z-score against the mean and standard
 * deviation of the last 1000 values (the current one included once it has been scored), as in NAB's
 * published results files: scores near 1 mark values far ABOVE the mean; dips score near 0.
 */
const WINDOW_SIZE = 1000;

export function windowedGaussianScores(values: readonly number[]): number[] {
  const scores: number[] = [];
  let sum = 0;
  let sumSquares = 0;
  let mean = 0;
  let std = 1;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    scores.push(i === 0 ? 0 : normalCdf((value - mean) / std));
    sum += value;
    sumSquares += value * value;
    if (i >= WINDOW_SIZE) {
      const dropped = values[i - WINDOW_SIZE];
      sum -= dropped;
      sumSquares -= dropped * dropped;
    }
    const n = Math.min(i + 1, WINDOW_SIZE);
    mean = sum / n;
    std = Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
    if (std === 0) std = 0.000001;
  }
  return scores;
}

function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Complementary error function (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
