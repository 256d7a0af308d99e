import { type INestApplication, Logger } from '@nestjs/common';
import type { Server, ServerResponse } from 'node:http';
import { constants } from 'node:os';
import { PinoLogger } from 'nestjs-pino';
import { symbols } from 'pino';

/**
 * How long the requests in hand may take once a stop is asked for, before their connections are cut:
 * with the consumers' and the outbox's own drain (5 s) it stays within the 15 s `npm start` and the
 * tests give a service before SIGKILL, and well within an orchestrator's usual 30.
 */
const REQUESTS_IN_HAND_MS = 5_000;

const STOP_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Stops the service on SIGTERM or SIGINT in the order that loses nothing: no new connections, the
 * requests in hand answered (and their outbox rows committed), then Nest's shutdown (consumers
 * finish the message in hand and commit, the outbox relay publishes what is left). Nest's own
 * shutdown hooks stop the relay while the HTTP server still takes requests, whose events then wait
 * in the outbox for the next start. The signal that began the stop, sent again, ends the process
 * at once; the other one is the same request (Ctrl-C reaches every process of the terminal, and
 * `npm start` then sends each service SIGTERM), and changes nothing.
 */
export function stopGracefullyOnSignals(app: INestApplication, name: string): void {
  const server = app.getHttpServer() as Server;
  const logger = new Logger(name);
  const inHand = new Set<ServerResponse>();
  let stopping: NodeJS.Signals | undefined;
  server.on('request', (_request, response: ServerResponse) => {
    inHand.add(response);
    response.once('close', () => inHand.delete(response));
    if (stopping) response.setHeader('Connection', 'close');
  });
  const stop = async (signal: NodeJS.Signals) => {
    const startedAt = Date.now();
    logger.log({ signal, requestsInHand: inHand.size, msg: `${signal}: stopping: no new connections; the requests in hand are answered, then the messages in hand, then the outbox is drained` });
    // A keep-alive client must not send its next request down a connection about to close.
    for (const response of inHand) if (!response.headersSent) response.setHeader('Connection', 'close');
    try {
      await closeServer(server);
      await app.close();
      const stopMs = Date.now() - startedAt;
      logger.log({ signal, stopMs, msg: `stopped in ${stopMs} ms` });
    } catch (error) {
      logger.error({ signal, err: error, msg: 'the stop did not finish: what was in hand may come again at the next start (consumers) or wait in the outbox' });
    }
    for (const stopSignal of STOP_SIGNALS) process.off(stopSignal, onSignal);
    // The signal's own exit status (143 for SIGTERM), as a supervisor expects of a stop it asked for,
    // once pino has written what it holds: its last lines are the ones that say how the stop went.
    afterLogsWritten(() => process.kill(process.pid, signal));
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping === undefined) {
      stopping = signal;
      void stop(signal);
    } else if (signal === stopping) {
      process.exit(128 + constants.signals[signal]);
    }
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // A connection goes idle once its last response is written: closed then, not left to its keep-alive timeout.
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const cut = setTimeout(() => server.closeAllConnections(), REQUESTS_IN_HAND_MS);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(cut);
      resolve();
    });
  });
}

/**
 * Calls `done` once the log stream has written every line and ended, or after a second at most.
 * pino writes asynchronously, and its flush() answers at once while a write is still under way,
 * so a process killed on its word lost its last line now and then.
 */
function afterLogsWritten(done: () => void): void {
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    clearTimeout(timer);
    done();
  };
  const timer = setTimeout(once, 1_000);
  const stream = (PinoLogger.root as unknown as Record<symbol, unknown> | undefined)?.[symbols.streamSym] as Partial<NodeJS.WritableStream> | undefined;
  if (!stream?.end || !stream.once) return once();
  stream.once('finish', once);
  stream.end();
}
