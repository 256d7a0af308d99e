import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The checked-in OpenAPI documents the CLI's client types are generated from, one per service. */
export const OPENAPI_DOCUMENTS = {
  'maintenance-planner': 'planner',
  'impact-analyzer': 'analyzer',
  notifier: 'notifier',
} as const;

/** The CLI's folder (cli/): this file is in cli/scripts. */
export const CLI_FOLDER = join(__dirname, '..');

export const OPENAPI_FOLDER = join(CLI_FOLDER, 'openapi');

export const GENERATED_FOLDER = join(CLI_FOLDER, 'src', 'client', 'generated');

export const documentPath = (file: string) => join(OPENAPI_FOLDER, `${file}.json`);

export const readCheckedIn = (file: string): unknown => JSON.parse(readFileSync(documentPath(file), 'utf8'));

/** The form a document is kept in: stable key order, so a diff shows only what changed in the API. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}
