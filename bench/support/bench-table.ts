import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

// Benches run through npm scripts, whose working directory is the repository root.
export const RESULTS_DIR = resolve(process.env.BENCH_RESULTS_DIR ?? join(process.cwd(), 'bench/results'));

export function percentile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

/** Prints rows as a Markdown table, so a run can be pasted into docs/performance.md as it is. */
export function printTable(header: string[], rows: string[][]): void {
  const table = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...table.map((line) => line[column].length)));
  const format = (line: string[]) => `| ${line.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  process.stdout.write(`${format(header)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n`);
  for (const line of rows) process.stdout.write(`${format(line)}\n`);
}

/** bench/results/<name>.json: the headline the issue names, and every figure behind it. */
export function writeResults(name: string, headline: Record<string, number>, details: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ name, measuredAt: new Date().toISOString(), node: process.version, headline, ...details }, null, 2)}\n`);
  return file;
}
