import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs as parseCommandLine } from 'node:util';
import {
  SurgeDetector,
  detectionConfig,
  initialSeriesState,
  stepSeries,
  type SurgeDirection,
} from '../../services/impact-analyzer/src/detection';
import { loadNabCorpus, type NabFile } from './nab-corpus';
import { normalisedScore, scoreFile, type FileScore } from './nab-scorer';
import { windowedGaussianScores } from './windowed-gaussian-detector';

/**
 * Runs the Holdfast surge detector (its defaults, one configuration for every file) and NAB's
 * windowed-Gaussian baseline over a NAB-format folder and prints NAB standard-profile scores,
 * scored as NAB's scorer does (see nab-scorer.ts).
 * Usage: npm run bench:detection -- <folder> [--results <dir>] [--directions up|down|up,down] [--out <file>]
 */

const USAGE = 'Usage: npm run bench:detection -- <nab-folder> [--results <dir>] [--directions up|down|up,down] [--out <file>]';
const DEFAULT_OUT = 'bench/results/detection.json';
/** Thresholds the Gaussian's scores are swept over, as NAB's optimiser would; the best on the corpus is reported. */
const GAUSSIAN_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9, ...Array.from({ length: 40 }, (_, k) => 1 - 10 ** (-(k + 5) / 4)), 1];

interface BenchArgs {
  folder: string;
  results?: string;
  out: string;
  directions: SurgeDirection[];
}

interface DetectorRun {
  label: string;
  scores: Map<string, FileScore>;
  /** Samples per second of the detector alone, when measured: overall, and per file (one pass, cold). */
  samplesPerSecond?: number;
  fileSamplesPerSecond?: Map<string, number>;
}

function parseArgs(argv: string[]): BenchArgs {
  const { values, positionals } = parseCommandLine({
    args: argv.filter((a) => a !== '--'),
    allowPositionals: true,
    // Both directions by default: NAB labels dips as anomalies too; the product watches surges ('up').
    options: { results: { type: 'string' }, directions: { type: 'string', default: 'up,down' }, out: { type: 'string', default: DEFAULT_OUT } },
  });
  const directions = values.directions.split(',').map((d) => d.trim());
  if (positionals.length !== 1 || directions.length === 0 || directions.some((d) => d !== 'up' && d !== 'down')) throw new Error(USAGE);
  return {
    folder: resolve(positionals[0]),
    results: values.results ? resolve(values.results) : undefined,
    out: resolve(values.out),
    directions: directions as SurgeDirection[],
  };
}

/**
 * Detections for NAB: 1 where the detector emits surge.started, 0 elsewhere. Every file is one
 * region in UTC (NAB files carry no region) with the default thresholds; nothing about the file
 * (name, length, labels) reaches the detector.
 */
function holdfastDetections(file: NabFile, directions: SurgeDirection[]): { detections: number[]; samplesPerSecond: number } {
  const config = detectionConfig({ defaults: { directions } });
  const detector = new SurgeDetector({ config, zoneOf: () => 'UTC' });
  const samples = file.values.map((value, i) => ({ region: 'nab', metric: 'value', at: new Date(file.times[i]), value }));
  const started = process.hrtime.bigint();
  const detections = samples.map((sample) => (detector.observe(sample).some((d) => d.type === 'surge.started') ? 1 : 0));
  return { detections, samplesPerSecond: samples.length / (Number(process.hrtime.bigint() - started) / 1e9) };
}

/** Passes over the corpus per throughput figure; the best is reported (JIT warmed, least disturbed by other work). */
const THROUGHPUT_PASSES = 3;

/**
 * Samples per second on one core, best of THROUGHPUT_PASSES passes over the whole corpus: the
 * detector as the bench runs it (SurgeDetector), and the pure step the service persists (a state
 * copy per sample).
 */
function throughput(files: NabFile[], directions: SurgeDirection[]): { detector: number; step: number } {
  const config = detectionConfig({ defaults: { directions } });
  const corpus = files.map((f) => f.values.map((value, i) => ({ region: 'nab', metric: 'value', at: new Date(f.times[i]), value })));
  const samples = corpus.reduce((s, f) => s + f.length, 0);
  const best = (pass: () => void) => {
    let fastest = Number.POSITIVE_INFINITY;
    for (let p = 0; p < THROUGHPUT_PASSES; p++) {
      const started = process.hrtime.bigint();
      pass();
      fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e9);
    }
    return samples / fastest;
  };
  const detector = best(() => {
    for (const file of corpus) {
      const surges = new SurgeDetector({ config, zoneOf: () => 'UTC' });
      for (const sample of file) surges.observe(sample);
    }
  });
  const step = best(() => {
    for (const file of corpus) {
      let state = initialSeriesState('nab', 'value');
      for (const sample of file) state = stepSeries(state, sample, { config, zone: 'UTC' }).state;
    }
  });
  return { detector, step };
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

const fmt = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits));
const sum = (scores: FileScore[], pick: (f: FileScore) => number) => scores.reduce((s, f) => s + pick(f), 0);

function summary(scores: FileScore[]) {
  const detections = sum(scores, (f) => f.detections);
  const windows = sum(scores, (f) => f.windows);
  const detected = sum(scores, (f) => f.detectedWindows);
  return {
    nab: normalisedScore(scores),
    precision: detections ? sum(scores, (f) => f.detectionsInWindows) / detections : null,
    recall: windows ? detected / windows : null,
    detections,
    windows,
    detected,
    noAnomalyDetections: sum(
      scores.filter((f) => f.windows === 0),
      (f) => f.detections,
    ),
    delay: median(scores.flatMap((f) => f.delays)),
    lost: { misses: sum(scores, (f) => f.lostToMisses), lateness: sum(scores, (f) => f.lostToLateness), falseAlarms: sum(scores, (f) => f.lostToFalseAlarms) },
  };
}

function printTable(title: string, groups: { name: string; rows: number; files: string[] }[], runs: DetectorRun[]): void {
  const header = [title, 'rows', 'windows', ...runs.flatMap((r) => [`${r.label} NAB`, 'det', 'prec', 'recall', 'delay']), 'lost: miss', 'late', 'false', 'samples/s 1st pass'];
  const main = runs[0];
  const rows = groups.map((group) => {
    const windows = sum(
      group.files.map((f) => main.scores.get(f)!),
      (f) => f.windows,
    );
    const cells = runs.flatMap((run) => {
      const s = summary(group.files.map((f) => run.scores.get(f)!));
      return [windows ? fmt(s.nab) : '-', String(s.detections), fmt(s.precision, 2), fmt(s.recall, 2), fmt(s.delay, 0)];
    });
    const lost = summary(group.files.map((f) => main.scores.get(f)!)).lost;
    const rate = group.files.length === 1 ? main.fileSamplesPerSecond?.get(group.files[0]) : undefined;
    return [group.name, String(group.rows), String(windows), ...cells, fmt(lost.misses, 2), fmt(lost.lateness, 2), fmt(lost.falseAlarms, 2), rate ? Math.round(rate).toLocaleString('en') : '-'];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

function runHoldfast(files: NabFile[], directions: SurgeDirection[], results?: string): DetectorRun {
  const run: DetectorRun = { label: `holdfast ${directions.join('+')}`, scores: new Map(), fileSamplesPerSecond: new Map() };
  for (const file of files) {
    const { detections, samplesPerSecond } = holdfastDetections(file, directions);
    run.fileSamplesPerSecond!.set(file.name, samplesPerSecond);
    run.scores.set(file.name, scoreFile(file.times, detections, file.windows));
    if (results) writeResults(results, file, detections);
  }
  return run;
}

function runGaussian(files: NabFile[]): DetectorRun & { threshold: number } {
  const gaussianScores = new Map(files.map((f) => [f.name, windowedGaussianScores(f.values)]));
  let best: DetectorRun & { threshold: number } = { label: 'gaussian', scores: new Map(), threshold: 1 };
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const threshold of GAUSSIAN_THRESHOLDS) {
    const scores = new Map(files.map((f) => [f.name, scoreFile(f.times, gaussianScores.get(f.name)!, f.windows, threshold)]));
    const nab = normalisedScore([...scores.values()]) ?? Number.NEGATIVE_INFINITY;
    if (nab > bestScore) {
      bestScore = nab;
      best = { label: 'gaussian', scores, threshold };
    }
  }
  return best;
}

function main(): void {
  const { folder, results, out, directions } = parseArgs(process.argv.slice(2));
  const files = loadNabCorpus(folder);
  if (files.length === 0) throw new Error(`No labelled NAB files under ${folder}`);
  const totalRows = files.reduce((s, f) => s + f.values.length, 0);
  console.log(
    `NAB corpus ${folder}: ${files.length} files, ${totalRows} rows, ${files.reduce((s, f) => s + f.windows.length, 0)} labelled windows; holdfast defaults, watching ${directions.join(' and ')}`,
  );

  const holdfast = runHoldfast(files, directions, results);
  const up = directions.join() === 'up' ? holdfast : runHoldfast(files, ['up']);
  const gaussian = runGaussian(files);
  const rates = throughput(files, directions);
  holdfast.samplesPerSecond = rates.detector;

  const runs = [holdfast, gaussian];
  printTable(
    'file',
    files.map((f) => ({ name: f.name, rows: f.values.length, files: [f.name] })),
    runs,
  );
  const categories = [...new Set(files.map((f) => f.category))].map((category) => {
    const members = files.filter((f) => f.category === category);
    return { name: category, rows: members.reduce((s, f) => s + f.values.length, 0), files: members.map((f) => f.name) };
  });
  printTable('category', [...categories, { name: 'ALL', rows: totalRows, files: files.map((f) => f.name) }], up === holdfast ? runs : [holdfast, up, gaussian]);

  console.log('');
  const overall = (run: DetectorRun) => summary([...run.scores.values()]);
  for (const run of up === holdfast ? runs : [holdfast, up, gaussian]) {
    const s = overall(run);
    const name = run === gaussian ? `windowedGaussian (threshold ${gaussian.threshold.toPrecision(6)})` : run.label;
    console.log(
      `OVERALL ${name.padEnd(36)} NAB standard ${fmt(s.nab, 2).padStart(6)}  window precision ${fmt(s.precision, 2)}  recall ${fmt(s.recall, 2)} (${s.detected}/${s.windows})  detections ${s.detections}  on no-anomaly series ${s.noAnomalyDetections}  median delay ${fmt(s.delay, 0)} samples${run.samplesPerSecond ? `  ${Math.round(run.samplesPerSecond).toLocaleString('en')} samples/s` : ''}`,
    );
  }
  const main = overall(holdfast);
  console.log(`points lost by ${holdfast.label} (raw NAB, of ${2 * main.windows}): missed windows ${fmt(main.lost.misses, 2)}, late detections ${fmt(main.lost.lateness, 2)}, false alarms ${fmt(main.lost.falseAlarms, 2)}`);
  console.log(
    `throughput on one core, best of ${THROUGHPUT_PASSES} passes: SurgeDetector ${Math.round(rates.detector).toLocaleString('en')} samples/s, stepSeries (state copied per sample) ${Math.round(rates.step).toLocaleString('en')} samples/s`,
  );
  console.log(`holdfast - windowedGaussian: ${fmt(main.nab! - overall(gaussian).nab!, 2)} NAB points`);

  const headline = {
    score: main.nab,
    scoreUp: overall(up).nab,
    baselineScore: overall(gaussian).nab,
    baselineThreshold: gaussian.threshold,
    windowPrecision: main.precision,
    windowRecall: main.recall,
    falseAlarmsOnCleanSeries: main.noAnomalyDetections,
    medianDelaySamples: main.delay,
    samplesPerSecond: Math.round(rates.detector),
    stepSeriesSamplesPerSecond: Math.round(rates.step),
  };
  const perFile = Object.fromEntries(
    files.map((f) => [
      f.name,
      { holdfast: holdfast.scores.get(f.name), up: up.scores.get(f.name), gaussian: gaussian.scores.get(f.name), samplesPerSecond: Math.round(holdfast.fileSamplesPerSecond!.get(f.name)!) },
    ]),
  );
  const perCategory = Object.fromEntries(
    categories.map((c) => [c.name, { holdfast: summary(c.files.map((f) => holdfast.scores.get(f)!)), up: summary(c.files.map((f) => up.scores.get(f)!)), gaussian: summary(c.files.map((f) => gaussian.scores.get(f)!)) }]),
  );
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify({ corpus: folder, files: files.length, directions, headline, perCategory, perFile }, null, 2)}\n`);
  console.log(`results: ${out}${results ? `; NAB results files under ${results}` : ''}`);
}

try {
  main();
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = 1;
}
