// Runs Apache Kafka without Docker: jars from Maven Central (pom.xml), one KRaft node on loopback.
// CLI: node deploy/kafka/local-kafka.mjs start|stop|status|fetch. The functions are exported for
// libs/testing (vitest globalSetup) and the benches; types in local-kafka.d.mts.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const PROGRESS_EVERY_MS = 2_000;

export class LocalKafkaError extends Error {
  name = 'LocalKafkaError';
}

const defaultLog = (line) => console.log(`[local-kafka] ${line}`);

function envInt(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new LocalKafkaError(`${name}=${raw} is not a positive integer; unset it to use ${fallback}`);
  }
  return value;
}

/** Paths and ports, from the environment with the defaults documented in README.md. */
export function localKafkaConfig(env = process.env) {
  const stateDir = path.resolve(repoRoot, env.KAFKA_STATE_DIR || '.holdfast/kafka');
  const port = envInt(env, 'KAFKA_PORT', 19092);
  return {
    host: '127.0.0.1',
    port,
    controllerPort: envInt(env, 'KAFKA_CONTROLLER_PORT', 19093),
    brokers: [`127.0.0.1:${port}`],
    libsDir: path.resolve(repoRoot, env.KAFKA_LIBS_DIR || '.holdfast/kafka/libs'),
    dataDir: path.resolve(repoRoot, env.KAFKA_DATA_DIR || path.join(stateDir, 'data')),
    stateDir,
    pidFile: path.join(stateDir, 'broker.pid'),
    lockFile: path.join(stateDir, 'start.lock'),
    logFile: path.join(stateDir, 'broker.log'),
    outFile: path.join(stateDir, 'broker.out'),
    propertiesFile: path.join(stateDir, 'server.properties'),
    heapOptions: (env.KAFKA_HEAP_OPTS || '-Xms256m -Xmx1g').split(/\s+/).filter(Boolean),
    // What Kafka's own bin/kafka-run-class.sh gives the JVM when KAFKA_JVM_PERFORMANCE_OPTS is unset:
    // the broker is started with java directly, so it would otherwise run G1 with the JVM's 200 ms pause target.
    performanceOptions: (
      env.KAFKA_JVM_PERFORMANCE_OPTS ||
      '-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true'
    )
      .split(/\s+/)
      .filter(Boolean),
    startTimeoutMs: envInt(env, 'KAFKA_START_TIMEOUT_MS', 90_000),
    stopTimeoutMs: envInt(env, 'KAFKA_STOP_TIMEOUT_MS', 30_000),
    java: env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java',
    // Set both to run the broker with a SCRAM-SHA-256 client listener instead of plaintext.
    scram: env.KAFKA_SCRAM_USERNAME && env.KAFKA_SCRAM_PASSWORD ? { username: env.KAFKA_SCRAM_USERNAME, password: env.KAFKA_SCRAM_PASSWORD } : null,
  };
}

/** kafkajs credentials for a SCRAM broker; nothing for a plaintext one. */
function saslOf(scram) {
  return scram ? { sasl: { mechanism: 'scram-sha-256', username: scram.username, password: scram.password } } : {};
}

/** Cluster metadata when a Kafka broker answers on `brokers`, else null. Never throws. */
export async function describeKafka(brokers, { timeoutMs = 1_000, scram = null } = {}) {
  const admin = new Kafka({
    clientId: 'holdfast-local-kafka',
    brokers,
    ...saslOf(scram),
    logLevel: logLevel.NOTHING,
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs * 2,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    return await admin.describeCluster();
  } catch {
    return null;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * The brokers KAFKA_BROKERS names (a comma-separated list), checked before anything is started on
 * them: a service would otherwise spend a quarter of a minute finding them gone. Throws a
 * LocalKafkaError saying what to do when none answers.
 */
export async function namedBrokers(list, { timeoutMs = 3_000, scram = localKafkaConfig().scram } = {}) {
  const brokers = list.split(',').map((broker) => broker.trim()).filter(Boolean);
  if (brokers.length > 0 && (await describeKafka(brokers, { timeoutMs, scram }))) return brokers;
  throw new LocalKafkaError(
    `no Kafka broker answers at KAFKA_BROKERS=${list}. Start it, or unset KAFKA_BROKERS to use the local broker on ${localKafkaConfig().brokers.join(',')} (started if none runs).`,
  );
}

/** Polls describeCluster until it answers; fails early if `isAlive` says the broker died. */
export async function waitForKafka(brokers, { timeoutMs = 90_000, log = defaultLog, isAlive, describeFailure, scram = null } = {}) {
  const started = Date.now();
  let lastProgress = started;
  for (;;) {
    const cluster = await describeKafka(brokers, { scram });
    if (cluster) return cluster;
    const elapsed = Date.now() - started;
    if (isAlive && !isAlive()) {
      throw new LocalKafkaError(`the broker exited before answering on ${brokers.join(',')}${describeFailure?.() ?? ''}`);
    }
    if (elapsed >= timeoutMs) {
      throw new LocalKafkaError(
        `no broker answered on ${brokers.join(',')} within ${Math.round(elapsed / 1000)} s${describeFailure?.() ?? ''}`,
      );
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      log(`waiting for the broker on ${brokers.join(',')} (${Math.round(elapsed / 1000)} s)`);
      lastProgress = Date.now();
    }
    await sleep(250);
  }
}

/**
 * Looking up a group coordinator creates __consumer_offsets; kafkajs retries while it loads. A broker
 * slow to start (24 s on a loaded machine) can still answer "not the correct coordinator" once
 * kafkajs's retries are spent, which failed `kafka:start` although the broker was up: asked again,
 * with the coordinator looked up afresh, for up to 60 s.
 */
async function warmGroupCoordinator(brokers, scram, { timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const admin = new Kafka({ clientId: 'holdfast-local-kafka', brokers, logLevel: logLevel.NOTHING, ...saslOf(scram) }).admin();
    try {
      await admin.connect();
      await admin.describeGroups(['holdfast-local-kafka-warm-up']);
      return;
    } catch (error) {
      if (Date.now() >= deadline || !isCoordinatorNotReady(error)) throw error;
    } finally {
      await admin.disconnect();
    }
    await sleep(500);
  }
}

const COORDINATOR_NOT_READY = new Set(['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']);

function isCoordinatorNotReady(error) {
  for (let cause = error; cause; cause = cause.cause ?? cause.originalError) {
    if (COORDINATOR_NOT_READY.has(cause.type)) return true;
  }
  return false;
}

function display(file) {
  const relative = path.relative(repoRoot, file);
  return relative.startsWith('..') ? file : relative;
}

function tail(file, lines = 25) {
  if (!fs.existsSync(file)) return '';
  const text = fs.readFileSync(file, 'utf8').trimEnd();
  if (!text) return '';
  return `\n--- last lines of ${file} ---\n${text.split('\n').slice(-lines).join('\n')}`;
}

function logTails(config) {
  return () => `${tail(config.outFile, 10)}${tail(config.logFile)}`;
}

function readPid(file) {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** True when `pid` is a running Kafka JVM (a reused pid or a zombie is not). */
function brokerAlive(pid) {
  if (!processAlive(pid)) return false;
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('kafka.Kafka');
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}

/**
 * True once nothing listens on host:port, waiting up to `waitMs` for a program that is about to let
 * it go: a broker shutting down (another checkout's, say) holds its ports for a few seconds more.
 */
export async function portFreed(host, port, { log = defaultLog, waitMs = 15_000 } = {}) {
  const started = Date.now();
  let lastProgress = 0;
  while (await portTaken(host, port)) {
    const elapsed = Date.now() - started;
    if (elapsed >= waitMs) return false;
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      log(`${host}:${port} is taken and nothing answers there as a broker: waiting up to ${Math.round(waitMs / 1000)} s for it to be freed (${Math.round(elapsed / 1000)} s so far)`);
      lastProgress = Date.now();
    }
    await sleep(250);
  }
  return true;
}

function portTaken(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const settle = (taken) => {
      socket.destroy();
      resolve(taken);
    };
    socket.setTimeout(500);
    socket.once('connect', () => settle(true));
    socket.once('error', () => settle(false));
    socket.once('timeout', () => settle(false));
  });
}

function run(command, args, what) {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error?.code === 'ENOENT') {
    const hint =
      command === 'mvn'
        ? 'install Maven (apt-get install maven)'
        : 'install a JDK 17 (apt-get install openjdk-17-jre-headless) or set JAVA_HOME';
    throw new LocalKafkaError(`${command} not found: ${hint}`);
  }
  if (result.error) throw new LocalKafkaError(`${what} failed: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-20).join('\n');
    throw new LocalKafkaError(`${what} failed (exit ${result.status}):\n${output}`);
  }
  return result.stdout;
}

/** Copies the pinned broker jars into libsDir once; a marker holds the pom's hash. */
export function fetchKafka(config = localKafkaConfig(), { log = defaultLog } = {}) {
  const pom = path.join(here, 'pom.xml');
  const pomHash = createHash('sha256').update(fs.readFileSync(pom)).digest('hex');
  const marker = path.join(config.libsDir, '.complete');
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === pomHash) {
    const jars = fs.readdirSync(config.libsDir).filter((name) => name.endsWith('.jar')).length;
    log(`Kafka jars already in ${config.libsDir} (${jars} jars)`);
    return;
  }
  // Copy into a private folder and rename it: a half-finished or concurrent fetch never looks complete.
  const partial = `${config.libsDir}.partial-${process.pid}`;
  fs.rmSync(partial, { recursive: true, force: true });
  log(`fetching the Kafka jars pinned in ${display(pom)} from Maven Central (about 10 s the first time)`);
  try {
    run(
      'mvn',
      ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${partial}`],
      'mvn dependency:copy-dependencies (is Maven Central reachable?)',
    );
    fs.writeFileSync(path.join(partial, '.complete'), `${pomHash}\n`);
    fs.rmSync(config.libsDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(config.libsDir), { recursive: true });
    fs.renameSync(partial, config.libsDir);
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
  const jars = fs.readdirSync(config.libsDir).filter((name) => name.endsWith('.jar')).length;
  log(`fetched ${jars} jars into ${config.libsDir}`);
}

/** server.properties from this folder with the ports and data folder of `config`. */
function writeServerProperties(config) {
  const client = config.scram ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
  const overrides = {
    'controller.quorum.voters': `1@${config.host}:${config.controllerPort}`,
    listeners: `${client}://${config.host}:${config.port},CONTROLLER://${config.host}:${config.controllerPort}`,
    'advertised.listeners': `${client}://${config.host}:${config.port}`,
    'inter.broker.listener.name': client,
    'listener.security.protocol.map': `${client}:${client},CONTROLLER:PLAINTEXT`,
    'log.dirs': config.dataDir,
  };
  // The broker talks to itself over the same SCRAM listener, as the user the format step created.
  const scramLines = config.scram
    ? [
        'sasl.enabled.mechanisms=SCRAM-SHA-256',
        'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256',
        `listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${config.scram.username}" password="${config.scram.password}";`,
      ]
    : [];
  const lines = fs
    .readFileSync(path.join(here, 'server.properties'), 'utf8')
    .split('\n')
    .map((line) => {
      const key = line.split('=')[0].trim();
      return !line.startsWith('#') && key in overrides ? `${key}=${overrides[key]}` : line;
    });
  fs.mkdirSync(config.stateDir, { recursive: true });
  fs.writeFileSync(config.propertiesFile, [...lines, ...scramLines].join('\n'));
}

function javaArgs(config, mainClass, args) {
  return [
    `-Dlog4j2.configurationFile=${path.join(here, 'log4j2.xml')}`,
    `-Dholdfast.kafka.log=${config.logFile}`,
    '-cp',
    path.join(config.libsDir, '*'), // expanded by java itself, not by a shell
    mainClass,
    ...args,
  ];
}

function formatStorage(config, log) {
  if (fs.existsSync(path.join(config.dataDir, 'meta.properties'))) {
    log(`storage already formatted in ${config.dataDir}`);
    return;
  }
  const storageTool = (...args) =>
    run(config.java, javaArgs(config, 'kafka.tools.StorageTool', args), `kafka.tools.StorageTool ${args[0]}`);
  const clusterId = storageTool('random-uuid').trim().split('\n').pop().trim();
  log(`formatting storage in ${config.dataDir} (cluster id ${clusterId})`);
  // KRaft stores SCRAM credentials in the metadata log, so the user is created at format time.
  const scram = config.scram ? ['--add-scram', `SCRAM-SHA-256=[name=${config.scram.username},password=${config.scram.password}]`] : [];
  storageTool('format', '-t', clusterId, '-c', config.propertiesFile, ...scram);
}

/** Holds start.lock while `work` runs, so two test runs starting at once launch one broker. */
async function withStartLock(config, log, work, whenHeld) {
  fs.mkdirSync(config.stateDir, { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(config.lockFile, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = readPid(config.lockFile);
      if (holder && processAlive(holder)) {
        log(`another start (pid ${holder}) is in progress; waiting for its broker`);
        return whenHeld();
      }
      fs.rmSync(config.lockFile, { force: true }); // left by a start that was killed
    }
  }
  try {
    return await work();
  } finally {
    fs.rmSync(config.lockFile, { force: true });
  }
}

/**
 * Starts the broker detached, or reuses one that already answers. Resolves once describeCluster
 * answers; `startedHere` tells the caller whether stopping it later is its business.
 */
export async function startKafka(config = localKafkaConfig(), { log = defaultLog } = {}) {
  const { brokers } = config;
  const reuse = async (why) => {
    const cluster = await waitForKafka(brokers, { timeoutMs: config.startTimeoutMs, log, describeFailure: logTails(config), scram: config.scram });
    log(`${why}: reusing the broker on ${brokers.join(',')} (cluster ${cluster.clusterId})`);
    return { brokers, startedHere: false, clusterId: cluster.clusterId };
  };

  log(`checking for a broker on ${brokers.join(',')}`);
  if (await describeKafka(brokers, { scram: config.scram })) return reuse('a broker already answers');

  return withStartLock(
    config,
    log,
    async () => {
      const pid = readPid(config.pidFile);
      if (pid && brokerAlive(pid)) return reuse(`broker pid ${pid} (from ${config.pidFile}) is still starting`);
      fs.rmSync(config.pidFile, { force: true });
      for (const port of [config.port, config.controllerPort]) {
        if (!(await portFreed(config.host, port, { log }))) {
          throw new LocalKafkaError(
            `${config.host}:${port} is taken by a program that does not answer as a Kafka broker (another checkout's broker still shutting down, or another program): free the port or set KAFKA_PORT / KAFKA_CONTROLLER_PORT`,
          );
        }
      }
      run(config.java, ['-version'], 'java -version');
      fetchKafka(config, { log });
      writeServerProperties(config);
      formatStorage(config, log);

      const out = fs.openSync(config.outFile, 'a');
      const child = spawn(
        config.java,
        [...config.heapOptions, ...config.performanceOptions, ...javaArgs(config, 'kafka.Kafka', [config.propertiesFile])],
        { cwd: repoRoot, detached: true, stdio: ['ignore', out, out] },
      );
      fs.closeSync(out);
      let exited = false;
      child.once('exit', () => (exited = true));
      child.once('error', () => (exited = true));
      child.unref();
      if (!child.pid) throw new LocalKafkaError(`could not start ${config.java}${logTails(config)()}`);
      fs.writeFileSync(config.pidFile, `${child.pid}\n`);
      log(`started broker pid ${child.pid}; log ${display(config.logFile)}, data ${display(config.dataDir)}`);

      const cluster = await waitForKafka(brokers, {
        timeoutMs: config.startTimeoutMs,
        scram: config.scram,
        log,
        isAlive: () => !exited && brokerAlive(child.pid),
        describeFailure: () =>
          `${logTails(config)()}\n(the process may still be running: \`npm run kafka:stop\` stops it)`,
      }).catch((error) => {
        if (exited) fs.rmSync(config.pidFile, { force: true });
        throw error;
      });
      log('creating the consumer offsets topic so the first consumer group joins at once');
      await warmGroupCoordinator(brokers, config.scram);
      log(`broker ready on ${brokers.join(',')} (cluster ${cluster.clusterId})`);
      return { brokers, startedHere: true, pid: child.pid, clusterId: cluster.clusterId };
    },
    () => reuse('another start finished'),
  );
}

/** SIGTERM, then SIGKILL after stopTimeoutMs. Only stops a broker this script started (pid file). */
export async function stopKafka(config = localKafkaConfig(), { log = defaultLog } = {}) {
  const pid = readPid(config.pidFile);
  if (!pid || !brokerAlive(pid)) {
    fs.rmSync(config.pidFile, { force: true });
    if (await describeKafka(config.brokers, { scram: config.scram })) {
      log(`a broker answers on ${config.brokers.join(',')} but this script did not start it (no live pid in ${config.pidFile}); leaving it alone`);
    } else {
      log('no broker is running');
    }
    return false;
  }
  log(`stopping broker pid ${pid} (SIGTERM)`);
  process.kill(pid, 'SIGTERM');
  const started = Date.now();
  let lastProgress = started;
  while (brokerAlive(pid)) {
    const elapsed = Date.now() - started;
    if (elapsed >= config.stopTimeoutMs) {
      log(`broker pid ${pid} still running after ${Math.round(elapsed / 1000)} s; sending SIGKILL`);
      process.kill(pid, 'SIGKILL');
      while (brokerAlive(pid)) await sleep(100);
      break;
    }
    if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
      log(`waiting for broker pid ${pid} to shut down (${Math.round(elapsed / 1000)} s)`);
      lastProgress = Date.now();
    }
    await sleep(100);
  }
  fs.rmSync(config.pidFile, { force: true });
  log(`broker stopped after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return true;
}

/**
 * Deletes the topics and consumer groups of one run (every name starting with `prefix`). Benches and
 * the demo give each run a prefix of its own; a local broker left holding the partitions of earlier
 * runs slows down (bench:e2e's hold p99 was 78-90 ms with 1,600 partitions left behind, 32-35 ms
 * once they were deleted). Refuses an empty prefix, which would name every deployment's topics.
 * Never throws: what could not be deleted is logged, and a later run is not held up by it.
 */
export async function removeRunTopics(brokers, prefix, { log = defaultLog, scram = null } = {}) {
  if (!prefix) throw new LocalKafkaError('removeRunTopics needs the run\'s topic prefix: an empty one would name every deployment\'s topics');
  // Few retries: a broker that is gone should cost the run a few seconds, not kafkajs's half a minute.
  const admin = new Kafka({ clientId: 'holdfast-local-kafka', brokers, ...saslOf(scram), logLevel: logLevel.NOTHING, connectionTimeout: 3_000, retry: { retries: 2 } }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    // A few dozen at a time: one request naming hundreds can outlast the broker's request timeout.
    for (let start = 0; start < topics.length; start += 50) await admin.deleteTopics({ topics: topics.slice(start, start + 50), timeout: 30_000 });
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId).filter((group) => group.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups);
    log(`removed this run's ${topics.length} topics and ${groups.length} consumer groups (${prefix}*) from the broker`);
  } catch (error) {
    log(`could not remove this run's topics (${prefix}*): ${error.message}. They stay on the broker; to start from an empty one, \`npm run kafka:stop\` and delete .holdfast/kafka/data`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The pid of the broker this script started, while it runs; null otherwise. */
export function runningBrokerPid(config = localKafkaConfig()) {
  const pid = readPid(config.pidFile);
  return pid && brokerAlive(pid) ? pid : null;
}

/** What is there: cached jars, formatted storage, the pid file, and whether a broker answers. */
export async function kafkaStatus(config = localKafkaConfig(), { log = defaultLog } = {}) {
  // A SCRAM broker answers only a client that logs in, as start and stop do.
  const cluster = await describeKafka(config.brokers, { scram: config.scram });
  const status = {
    brokers: config.brokers,
    answering: cluster !== null,
    clusterId: cluster?.clusterId ?? null,
    pid: runningBrokerPid(config),
    jarsCached: fs.existsSync(path.join(config.libsDir, '.complete')),
    storageFormatted: fs.existsSync(path.join(config.dataDir, 'meta.properties')),
  };
  log(`jars:    ${status.jarsCached ? `cached in ${config.libsDir}` : 'not fetched yet (npm run kafka:start fetches them)'}`);
  log(`storage: ${status.storageFormatted ? `formatted in ${config.dataDir}` : 'not formatted yet'}`);
  log(`process: ${status.pid ? `pid ${status.pid} (log ${config.logFile})` : 'none started by this script'}`);
  log(
    `broker:  ${status.answering ? `answering on ${config.brokers.join(',')} (cluster ${status.clusterId})` : `nothing answers on ${config.brokers.join(',')}`}`,
  );
  return status;
}

async function main(command) {
  const config = localKafkaConfig();
  switch (command) {
    case 'start':
      await startKafka(config);
      return 0;
    case 'stop':
      await stopKafka(config);
      return 0;
    case 'status':
      // Exit 3 when nothing answers, as LSB status commands do, so scripts can test it.
      return (await kafkaStatus(config)).answering ? 0 : 3;
    case 'fetch':
      fetchKafka(config);
      return 0;
    default:
      console.error('usage: node deploy/kafka/local-kafka.mjs start|stop|status|fetch (see deploy/kafka/README.md)');
      return 2;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv[2]).then(
    (code) => process.exit(code),
    (error) => {
      console.error(`[local-kafka] ${error instanceof LocalKafkaError ? error.message : error.stack}`);
      process.exit(1);
    },
  );
}
