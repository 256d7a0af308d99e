import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs as parseCommandLine } from 'node:util';
import { SurgeDetector, detectionConfig, type SurgeDirection } from '../../services/impact-analyzer/src/detection';
import { loadNabCorpus, type NabFile } from './nab-corpus';
import { normalisedScore, probationaryLength, scoreFile, type FileScore } from './nab-scorer';
import { windowedGaussianScores } from './windowed-gaussian-detector';

/**
 * Runs the Holdfast surge detector and NAB's windowed-Gaussian baseline over a NAB-format folder
 * and prints NAB standard-profile scores.
 * Usage: npm run bench:detection -- <folder> [--results <dir>] [--directions up|down|up,down]
 */

const PROGRESS_EVERY = 2000;
/** Thresholds NAB's optimiser may choose for the windowed Gaussian; the best on the corpus is reported. */
const GAUSSIAN_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9999, 0.99999, 1];

interface DetectorRun {
  label: string;
  scores: Map<string, FileScore>;
}

const USAGE = 'Usage: npm run bench:detection -- <nab-folder> [--results <dir>] [--directions up|down|up,down]';

interface BenchArgs {
  folder: string;
  results?: string;
  directions: SurgeDirection[];
}

function parseArgs(argv: string[]): BenchArgs {
  const { values, positionals } = parseCommandLine({
    args: argv.filter((a) => a !== '--'),
    allowPositionals: true,
    // Both directions by default: NAB labels dips as anomalies too; the product watches surges ('up').
    options: { results: { type: 'string' }, directions: { type: 'string', default: 'up,down' } },
  });
  const directions = values.directions.split(',').map((d) => d.trim());
  if (positionals.length !== 1 || directions.length === 0 || directions.some((d) => d !== 'up' && d !== 'down')) throw new Error(USAGE);
  return { folder: resolve(positionals[0]), results: values.results ? resolve(values.results) : undefined, directions: directions as SurgeDirection[] };
}

/** Detections for NAB: 1 where the detector emits surge.started, 0 elsewhere. */
function holdfastDetections(file: NabFile, directions: SurgeDirection[]): number[] {
  // Learning without firing during NAB's probation.
  const config = detectionConfig({
    defaults: { directions },
    regions: { [file.name]: { warmupSamples: probationaryLength(file.values.length) } },
  });
  const detector = new SurgeDetector({ config, zoneOf: () => 'UTC' });
  const detections: number[] = [];
  const started = Date.now();
  for (let i = 0; i < file.values.length; i++) {
    const decisions = detector.observe({ region: file.name, metric: 'value', at: new Date(file.times[i]), value: file.values[i] });
    detections.push(decisions.some((d) => d.type === 'surge.started') ? 1 : 0);
    if ((i + 1) % PROGRESS_EVERY === 0) progress(`  holdfast  ${file.name}: ${i + 1}/${file.values.length} samples`);
  }
  progress(`  holdfast  ${file.name}: ${file.values.length} samples in ${Date.now() - started} ms`, true);
  return detections;
}

function progress(line: string, done = false): void {
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${line}${done ? '\n' : ''}`);
  else console.log(line);
}

function writeResults(dir: string, file: NabFile, detections: number[]): void {
  const folder = join(dir, file.category);
  mkdirSync(folder, { recursive: true });
  const lines = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < file.values.length; i++) {
    const t = file.times[i];
    const label = file.windows.some((w) => t >= w.start && t <= w.end) ? 1 : 0;
    lines.push(`${file.stamps[i]},${file.values[i]},${detections[i]},${label}`);
  }
  writeFileSync(join(folder, `holdfast_${file.fileName}`), `${lines.join('\n')}\n`);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const fmt = (value: number | null, digits = 1): string => (value === null || !Number.isFinite(value) ? '-' : value.toFixed(digits));

function summary(scores: FileScore[]) {
  const windows = scores.reduce((s, f) => s + f.windows, 0);
  const detected = scores.reduce((s, f) => s + f.detectedWindows, 0);
  const detections = scores.reduce((s, f) => s + f.detections, 0);
  const inWindows = scores.reduce((s, f) => s + f.detectionsInWindows, 0);
  return {
    nab: normalisedScore(scores),
    precision: detections ? inWindows / detections : null,
    recall: windows ? detected / windows : null,
    detections,
    windows,
    detected,
    noAnomalyDetections: scores.filter((f) => f.windows === 0).reduce((s, f) => s + f.detections, 0),
    delay: median(scores.flatMap((f) => f.delays)),
  };
}

function printTable(files: NabFile[], runs: DetectorRun[]): void {
  const header = ['file', 'rows', 'windows', ...runs.flatMap((r) => [`${r.label} NAB`, 'det', 'prec', 'recall', 'delay'])];
  const rows = files.map((file) => [
    file.name,
    String(file.values.length),
    String(file.windows.length),
    ...runs.flatMap((run) => {
      const s = summary([run.scores.get(file.name)!]);
      return [file.windows.length ? fmt(s.nab) : '-', String(s.detections), fmt(s.precision, 2), fmt(s.recall, 2), fmt(s.delay, 0)];
    }),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

function main(): void {
  const { folder, results, directions } = parseArgs(process.argv.slice(2));
  const files = loadNabCorpus(folder);
  if (files.length === 0) throw new Error(`No labelled NAB files under ${folder}`);
  console.log(`NAB corpus ${folder}: ${files.length} files, ${files.reduce((s, f) => s + f.windows.length, 0)} labelled windows; holdfast watches ${directions.join(' and ')}`);

  const holdfast: DetectorRun = { label: 'holdfast', scores: new Map() };
  for (const file of files) {
    const detections = holdfastDetections(file, directions);
    holdfast.scores.set(file.name, scoreFile(file.times, detections, file.windows));
    if (results) writeResults(results, file, detections);
  }

  const gaussianScores = new Map(files.map((f) => [f.name, windowedGaussianScores(f.values)]));
  let gaussian: DetectorRun & { threshold: number } = { label: 'gaussian', scores: new Map(), threshold: 1 };
  let best = Number.NEGATIVE_INFINITY;
  for (const threshold of GAUSSIAN_THRESHOLDS) {
    const scores = new Map(files.map((f) => [f.name, scoreFile(f.times, gaussianScores.get(f.name)!, f.windows, threshold)]));
    const nab = normalisedScore([...scores.values()]) ?? Number.NEGATIVE_INFINITY;
    if (nab > best) {
      best = nab;
      gaussian = { label: 'gaussian', scores, threshold };
    }
  }

  printTable(files, [holdfast, gaussian]);
  console.log('');
  for (const run of [holdfast, gaussian]) {
    const s = summary([...run.scores.values()]);
    const name = run === gaussian ? `windowedGaussian (threshold ${gaussian.threshold})` : 'holdfast';
    console.log(
      `OVERALL ${name.padEnd(34)} NAB standard ${fmt(s.nab, 2).padStart(6)}  window precision ${fmt(s.precision, 2)}  recall ${fmt(s.recall, 2)} (${s.detected}/${s.windows})  detections ${s.detections}  on no-anomaly series ${s.noAnomalyDetections}  median delay ${fmt(s.delay, 0)} samples`,
    );
  }
  const ratio = summary([...holdfast.scores.values()]).nab! - best;
  console.log(`holdfast - windowedGaussian: ${ratio >= 0 ? '+' : ''}${fmt(ratio, 2)} NAB points`);
  if (results) console.log(`NAB results files written under ${results}`);
}

try {
  main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
