import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AnomalyWindow } from './nab-scorer';

export interface NabFile {
  /** Path relative to the corpus folder, as labels.json names it: "category/file.csv". */
  name: string;
  category: string;
  fileName: string;
  /** Timestamps as written in the CSV, for the results files. */
  stamps: string[];
  times: number[];
  values: number[];
  windows: AnomalyWindow[];
}

/** NAB timestamps carry no zone; the corpus is read as UTC. */
export function parseNabTime(stamp: string): number {
  return Date.parse(`${stamp.trim().replace(' ', 'T')}Z`);
}

/** Reads every `category/*.csv` under the folder that labels.json knows; labels for absent files are ignored. */
export function loadNabCorpus(folder: string): NabFile[] {
  const labelsPath = join(folder, 'labels.json');
  if (!existsSync(labelsPath)) throw new Error(`No labels.json in ${folder}`);
  const labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as Record<string, [string, string][]>;
  const files: NabFile[] = [];
  for (const category of readdirSync(folder).sort()) {
    const dir = join(folder, category);
    if (!statSync(dir).isDirectory()) continue;
    for (const fileName of readdirSync(dir).filter((f) => f.endsWith('.csv')).sort()) {
      const name = `${category}/${fileName}`;
      const windows = labels[name];
      if (!windows) continue;
      const stamps: string[] = [];
      const times: number[] = [];
      const values: number[] = [];
      for (const line of readFileSync(join(dir, fileName), 'utf8').split(/\r?\n/).slice(1)) {
        if (!line.trim()) continue;
        const [stamp, value] = line.split(',');
        stamps.push(stamp);
        times.push(parseNabTime(stamp));
        values.push(Number(value));
      }
      files.push({
        name,
        category,
        fileName,
        stamps,
        times,
        values,
        windows: windows.map(([start, end]) => ({ start: parseNabTime(start), end: parseNabTime(end) })),
      });
    }
  }
  return files;
}
