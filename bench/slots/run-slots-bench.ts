import { findSlots } from '../../libs/time/src/slots/slot-search';
import type { SlotSearchRequest } from '../../libs/time/src/slots/slot-search.types';
import { naiveBestSlot } from './naive-slot-scan';
import { fiftyRegionRequest } from './slots-bench.fixture';
import { writeResults } from '../support/bench-table';

/**
 * Slot search against a naive scan that prices every candidate from scratch, both measured in this
 * run. Usage: npm run bench:slots. Exits non-zero when they disagree or the 50 ms goal is missed.
 */

const GOAL_MS = 50;
const SMART_WARM_UP = 20;
const SMART_RUNS = 51;
const NAIVE_RUNS = 3;

interface BenchCase {
  readonly name: string;
  readonly request: SlotSearchRequest;
}

const cases: BenchCase[] = [
  { name: '1 h, 14 d, 50 regions, 5 min, 3 holds', request: fiftyRegionRequest() },
  {
    name: '… + 22:00-06:00 in window zone',
    request: fiftyRegionRequest({ allowedLocalHours: { in: 'window-zone', ranges: [{ from: '22:00', to: '06:00' }] } }),
  },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(runs: number, action: () => unknown): number {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    action();
    samples.push(performance.now() - started);
  }
  return median(samples);
}

const rows = cases.map(({ name, request }) => {
  for (let run = 0; run < SMART_WARM_UP; run++) findSlots(request);
  const smartMs = time(SMART_RUNS, () => findSlots(request));
  const naiveMs = time(NAIVE_RUNS, () => naiveBestSlot(request));
  const smart = findSlots(request);
  const naive = naiveBestSlot(request);
  const best = smart.slots[0];
  const sameBest =
    best !== undefined &&
    naive.slot !== null &&
    best.start.getTime() === naive.slot.start.getTime() &&
    Math.abs(best.expectedAffectedTraffic - naive.expectedAffectedTraffic) < 1e-9;
  return {
    case: name,
    candidates: smart.candidates,
    'smart ms p50': Number(smartMs.toFixed(2)),
    'naive ms p50': Number(naiveMs.toFixed(1)),
    ratio: `${(naiveMs / smartMs).toFixed(0)}×`,
    'goal met (<50 ms)': smartMs < GOAL_MS ? 'yes' : 'NO',
    'same best slot': sameBest ? `yes (${best.start.toISOString().slice(0, 16)}Z)` : 'NO',
  };
});

console.log(`Slot search, node ${process.version}, median of ${SMART_RUNS} runs after ${SMART_WARM_UP} warm-up (naive: median of ${NAIVE_RUNS})`);
console.table(rows);
const [first] = rows;
const headline = { smartP50Ms: first['smart ms p50'], naiveP50Ms: first['naive ms p50'], ratio: Number((first['naive ms p50'] / first['smart ms p50']).toFixed(1)) };
console.log(`figures in ${writeResults('slots', headline, { runs: SMART_RUNS, naiveRuns: NAIVE_RUNS, cases: rows })}`);
if (rows.some((row) => row['goal met (<50 ms)'] !== 'yes' || row['same best slot'].startsWith('NO'))) process.exitCode = 1;
