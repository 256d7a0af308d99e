// `npm test`: the Debian tools the specs drive (installed when missing), the static checks, then
// every vitest project, then one line CI reads: the totals of all of them. Every stage runs even
// after one fails, so a run shows everything that is wrong.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../system/system-runner.mjs';
import { ensureTestTools } from './test-tools.mjs';

const STATIC_CHECKS = [
  { name: 'lint', command: ['npm', 'run', '--silent', 'lint'], fix: 'the ESLint errors above name file and rule' },
  { name: 'typecheck', command: ['npm', 'run', '--silent', 'typecheck'], fix: 'the tsc errors above name file and line' },
  { name: 'contracts:check', command: ['npm', 'run', '--silent', 'contracts:check'], fix: 'run "npm run contracts:asyncapi" and commit libs/contracts/asyncapi.json' },
  { name: 'compose:validate', command: ['bash', 'deploy/docker/validate-compose.sh'], fix: 'the lines above name the file and what docker-compose, promtool or amtool refused' },
];

const say = (line) => process.stdout.write(`[test] ${line}\n`);
const seconds = (started) => `${((Date.now() - started) / 1000).toFixed(1)} s`;

function run(command, env = process.env) {
  const [program, ...args] = command;
  const result = spawnSync(program, args, { cwd: ROOT, stdio: 'inherit', env });
  if (result.error) say(`could not run ${command.join(' ')}: ${result.error.message}`);
  return result.status === 0;
}

const rows = [];
let passed = 0;
let failed = 0;

const STAGES = STATIC_CHECKS.length + 2;
say(`1/${STAGES} test tools (the Debian packages the specs drive)`);
const missing = ensureTestTools(say);
if (missing.length === 0) say('test tools: all present');

STATIC_CHECKS.forEach((check, index) => {
  say(`${index + 2}/${STAGES} ${check.name}`);
  const started = Date.now();
  const ok = run(check.command);
  if (ok) passed++;
  else failed++;
  rows.push([check.name, ok ? 'passed' : `FAILED: ${check.fix}`, seconds(started)]);
});

say(`${STAGES}/${STAGES} vitest (unit, integration, e2e)`);
const folder = mkdtempSync(join(tmpdir(), 'holdfast-totals-'));
const totalsFile = join(folder, 'totals.json');
const started = Date.now();
const vitestOk = run(['npx', 'vitest', 'run', ...process.argv.slice(2)], { ...process.env, HOLDFAST_TOTALS_FILE: totalsFile });
let totals;
try {
  totals = JSON.parse(readFileSync(totalsFile, 'utf8'));
} catch {
  // vitest stopped before reporting (a broken config, say): the run is a failure all the same.
  totals = { passed: 0, failed: 1, skipped: 0 };
}
rmSync(folder, { recursive: true, force: true });
if (!vitestOk && totals.failed === 0) totals.failed = 1;
passed += totals.passed;
failed += totals.failed;
const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
rows.push(['vitest', `${totals.passed} passed, ${totals.failed} failed${skipped}`, seconds(started)]);

process.stdout.write('\n');
const width = Math.max(...rows.map(([name]) => name.length));
for (const [name, outcome, duration] of rows) say(`${name.padEnd(width)}  ${duration.padStart(7)}  ${outcome}`);
say('totals: each static check counts as one; every vitest test counts as one');
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
