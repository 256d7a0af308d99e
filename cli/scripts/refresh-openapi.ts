// Regenerates the CLI's OpenAPI documents and client types from running services (`npm start`):
// HOLDFAST_PLANNER_URL / HOLDFAST_ANALYZER_URL / HOLDFAST_NOTIFIER_URL, by default
// http://localhost:3001 / 3002 / 3003.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonical, CLI_FOLDER, documentPath, GENERATED_FOLDER, OPENAPI_DOCUMENTS } from './openapi-documents';
import { serviceUrls } from '../src/settings';

// openapi-typescript (a devDependency): the maintained generator of TypeScript types from OpenAPI 3 documents.
function generateTypes(file: string): void {
  const root = join(CLI_FOLDER, '..');
  const generator = join(root, 'node_modules/.bin/openapi-typescript');
  if (!existsSync(generator)) throw new Error('openapi-typescript is not installed: run npm ci first.');
  const result = spawnSync(generator, [documentPath(file), '--output', join(GENERATED_FOLDER, `${file}.ts`)], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`openapi-typescript failed for ${file}.json (exit ${result.status})`);
}

async function main(): Promise<void> {
  const urls = serviceUrls(process.env);
  mkdirSync(GENERATED_FOLDER, { recursive: true });
  for (const [service, file] of Object.entries(OPENAPI_DOCUMENTS)) {
    const base = urls[service as keyof typeof urls];
    const response = await fetch(`${base}/docs-json`);
    if (!response.ok) throw new Error(`${base}/docs-json answered ${response.status}`);
    writeFileSync(documentPath(file), `${JSON.stringify(canonical(await response.json()), null, 2)}\n`);
    generateTypes(file);
    process.stdout.write(`${service}: cli/openapi/${file}.json and cli/src/client/generated/${file}.ts\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
