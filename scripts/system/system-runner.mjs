// Builds the three services and runs them as child processes: shared by `npm start` and the
// end-to-end specs, so the tests exercise exactly what a person runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { freePort } from './free-port.mjs';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The services in the order they start: consumers of a topic before its producers is not required (groups read from the start). */
export const SERVICES = [
  { name: 'maintenance-planner', port: 3001 },
  { name: 'impact-analyzer', port: 3002 },
  { name: 'notifier', port: 3003 },
];

/** Each service's port under `npm start`: its `<SERVICE>_PORT` (MAINTENANCE_PLANNER_PORT...) when set, else its default. */
export function servicePorts(env) {
  return Object.fromEntries(SERVICES.map(({ name, port }) => [name, Number(env[`${name.toUpperCase().replace(/-/g, '_')}_PORT`] ?? port)]));
}

/**
 * What the services are told of each other's addresses: the notifier's links to the planner's week page point at the port
 * the planner runs on, unless NOTIFIER_PLANNER_URL says otherwise (its default, 3001, sent readers of a message to nothing
 * when MAINTENANCE_PLANNER_PORT moved the planner).
 */
export function linkEnvironment(ports, env) {
  return env.NOTIFIER_PLANNER_URL ? {} : { NOTIFIER_PLANNER_URL: `http://127.0.0.1:${ports['maintenance-planner']}` };
}

// Every library but the test environment ships with the services.
const BUILT_LIBRARIES = readdirSync(join(ROOT, 'libs')).filter((name) => name !== 'testing').map((name) => `libs/${name}`);
const NOT_SHIPPED = '**/*.spec.ts,**/*.integration-spec.ts,**/*.fixture.ts,**/src/testing/**,**/test/**';

/**
 * Compiles services and the libraries they use to dist/ with SWC (decorator metadata included);
 * about a second. The build goes to a staging folder first and each file is then renamed into
 * place, so a service starting while another build runs (a second `npm start`, an e2e spec) never
 * reads a half-written file.
 */
export function buildServices({ log = defaultLog } = {}) {
  const started = Date.now();
  log('build: compiling services and libraries to dist/ with SWC');
  const staging = join(ROOT, 'dist', `.staging-${process.pid}-${Date.now()}`);
  const swc = join(ROOT, 'node_modules/@swc/cli/bin/swc.js');
  try {
    const result = spawnSync(
      process.execPath,
      [swc, ...BUILT_LIBRARIES, 'services', '-d', staging, '--config-file', '.swcrc', '--ignore', NOT_SHIPPED, '--quiet'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (result.status !== 0) {
      throw new Error(`build failed (swc exited with ${result.status}):\n${result.stderr || result.stdout}\nFix the errors above; "npm run typecheck" names them with types.`);
    }
    moveInto(staging, join(ROOT, 'dist'));
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  log(`build: done in ${Date.now() - started} ms`);
}

/** rename(2) replaces a file in one step, so readers see the old file or the new one, never a part. */
function moveInto(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      mkdirSync(target, { recursive: true });
      moveInto(source, target);
    } else {
      renameSync(source, target);
    }
  }
}

export function mainOf(service) {
  return join(ROOT, 'dist/services', service, 'src/main.js');
}

/**
 * Node flags each service runs with (deploy/docker/service.Dockerfile passes the same). With V8's
 * default young generation, which grows to tens of megabytes, a service's scavenges paused it for
 * 50-110 ms in bench:e2e; capped at 8 MB they stay under about 20 ms. The analyzer's sample intake
 * holds a slice of 27 MB of allocation until its transaction commits: with 8 MB, or with V8's
 * allocation-site pretenuring on, all of it was promoted to the old generation and the collector
 * took about half its CPU; 32 MB without pretenuring keeps scavenges short and most of a slice young
 * (docs/performance-journal.md, "Garbage collection and the retry wrapper"). HOLDFAST_SERVICE_NODE_ARGS,
 * given after them, overrides.
 */
export const SERVICE_NODE_FLAGS = {
  'maintenance-planner': ['--max-semi-space-size=8'],
  'impact-analyzer': ['--max-semi-space-size=32', '--no-allocation-site-pretenuring'],
  notifier: ['--max-semi-space-size=8'],
};

/**
 * Starts one built service. Its JSON log lines go to `onLine`; the promise resolves once
 * /health/ready answers 200, and rejects with the service's last words if it exits first.
 * `onSpawn` gets the process at once, before it is ready (a bench measures it from its first work).
 */
export async function startService({ name, port, env, onLine = () => {}, onSpawn = () => {}, readyTimeoutMs = 60_000 }) {
  // Another process on the port would answer the readiness probe in this service's place.
  if (!(await isPortFree(port))) {
    throw new Error(`${name}: port ${port} is already in use. Stop what listens there, or choose another port (README.md, Configuration).`);
  }
  const child = spawn(process.execPath, ['--enable-source-maps', ...(SERVICE_NODE_FLAGS[name] ?? []), ...(process.env.HOLDFAST_SERVICE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), mainOf(name)], {
    cwd: ROOT,
    // Loopback unless told otherwise: a laptop running the system should not serve its network.
    env: { LISTEN_ADDRESS: '127.0.0.1', ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn(child);
  const tail = [];
  const remember = (line) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
    onLine(line);
  };
  forEachLine(child.stdout, remember);
  forEachLine(child.stderr, remember);
  let exited = null;
  child.on('exit', (code, signal) => (exited = { code, signal }));

  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`${name} exited (${exited.signal ?? `code ${exited.code}`}) before it was ready. Its last lines:\n${tail.join('\n')}`);
    }
    const ready = await fetch(`${baseUrl}/health/ready`).then((response) => response.ok, () => false);
    if (ready) return { name, port, baseUrl, child, stop: () => stopChild(child) };
    await new Promise((wake) => setTimeout(wake, 200));
  }
  await stopChild(child);
  throw new Error(`${name} was not ready within ${readyTimeoutMs} ms. Its last lines:\n${tail.join('\n')}`);
}

function isPortFree(port) {
  return new Promise((resolveFree) => {
    const probe = createServer();
    probe.once('error', () => resolveFree(false));
    probe.listen(port, '0.0.0.0', () => probe.close(() => resolveFree(true)));
  });
}

/** SIGTERM, so the service stops consuming, commits and drains its outbox; SIGKILL if it hangs. */
export function stopChild(child, timeoutMs = 15_000) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}

function forEachLine(stream, onLine) {
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop();
    for (const line of lines) if (line.trim()) onLine(line);
  });
  stream.on('end', () => pending.trim() && onLine(pending));
}

function defaultLog(line) {
  process.stdout.write(`[holdfast] ${line}\n`);
}
