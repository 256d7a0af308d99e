import { createServer } from 'node:http';
import type { CliIo } from '../cli-io';

/** A run's own Idempotency-Key when none is given: a random (v4) UUID. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * The Idempotency-Key of a command's `post`-th POST made from a run's new key: the UUID, the command's name, 12 hex
 * digits when it acts on something (its arguments, a run, regions), and `/n` from its second POST on.
 */
export const newRunKey = (command: string, post = 1): RegExp =>
  new RegExp(`^${UUID.source.slice(1, -1)}/${command.replaceAll(' ', '-')}(?:/[0-9a-f]{12})?${post > 1 ? `/${post}` : ''}$`);

export interface Asked {
  method: string;
  /** The path and query, as sent. */
  url: string;
  /** The JSON body, or undefined when none was sent. */
  body: unknown;
  /** The Idempotency-Key header, when one was sent. */
  idempotencyKey?: string;
}

export interface Answer {
  status?: number;
  body?: unknown;
  /** Sent as it is instead of `body` as JSON (a proxy's HTML page), with its own content type in `headers`. */
  text?: string;
  headers?: Record<string, string>;
  /** Never answered: a service that took the connection and hangs. */
  hang?: boolean;
  /** The connection closed without an answer: a service that died while handling the request. */
  cut?: boolean;
}

export interface StandInService {
  url: string;
  asked: Asked[];
  /** The authorization header of each request, in the order asked: the key it carried. */
  authorizations: (string | undefined)[];
  close(): Promise<void>;
}

const running = new Set<StandInService>();

/** Stops every stand-in service still running: a spec file's afterEach. */
export const closeStandIns = async (): Promise<void> => void (await Promise.all([...running].map((service) => service.close())));

/**
 * A Holdfast service on loopback for a spec: each request is recorded and answered by `answer`
 * (200 with JSON by default, a problem document's content type from 400 on).
 */
export async function standInService(answer: (asked: Asked) => Answer): Promise<StandInService> {
  const asked: Asked[] = [];
  const authorizations: (string | undefined)[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk) => (text += chunk));
    request.on('end', () => {
      const key = request.headers['idempotency-key'];
      const question = { method: request.method ?? 'GET', url: request.url ?? '/', body: text ? JSON.parse(text) : undefined, ...(typeof key === 'string' ? { idempotencyKey: key } : {}) };
      authorizations.push(request.headers.authorization);
      asked.push(question);
      const { status = 200, body, text: raw, headers, hang, cut } = answer(question);
      if (hang) return;
      if (cut) return void request.socket.destroy();
      response.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
      response.end(raw ?? (body === undefined ? undefined : JSON.stringify(body)));
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const service: StandInService = {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    asked,
    authorizations,
    close: () => {
      running.delete(service);
      const closing = new Promise<void>((closed) => server.close(() => closed()));
      // A hung request's connection would otherwise keep the server open.
      server.closeAllConnections();
      return closing;
    },
  };
  running.add(service);
  return service;
}

// The answers the services do not keep for an Idempotency-Key (libs/service-kit's IdempotencyInterceptor): the key's standing,
// the service's state, and a refusal for the state things are in (409, 423), which a retry once that changed has handled.
const NOT_KEPT = (status: number) => status >= 500 || [401, 403, 409, 423, 429].includes(status);

/** A stand-in service that also says which POSTs it handled, rather than answered from a kept Idempotency-Key. */
export interface KeyedStandInService extends StandInService {
  handled: string[];
}

/**
 * A stand-in service handling Idempotency-Keys as every Holdfast service does: a POST's answer is kept under its key (but
 * NOT_KEPT's), the same request again is given it (Idempotent-Replayed), another request under the key is a 422
 * idempotency-key-reused naming the first, and a repeat of one whose answer held a secret (`shownOnce` says what to do
 * instead, for the requests whose answer does) a 409 answer-shown-once.
 */
export async function keyedStandInService(answer: (asked: Asked) => Answer, shownOnce: (asked: Asked) => string | undefined = () => undefined): Promise<KeyedStandInService> {
  const kept = new Map<string, { request: string; url: string; at: string; answer: Answer; shownOnce?: string }>();
  const handled: string[] = [];
  const service = await standInService((asked) => {
    const key = asked.idempotencyKey;
    if (asked.method !== 'POST' || key === undefined) return answer(asked);
    const request = `${asked.url}\n${JSON.stringify(asked.body ?? null)}`;
    const first = kept.get(key);
    if (first && first.request !== request) {
      const detail = `Idempotency-Key ${key} was used at ${first.at} for another request (POST ${first.url}${first.url === asked.url ? ' with another body' : ''}): send a new key with each new request.`;
      return { status: 422, body: { status: 422, title: 'Unprocessable Content', code: 'idempotency-key-reused', detail } };
    }
    if (first?.shownOnce) {
      const detail = `The request with Idempotency-Key ${key} was done at ${first.at} (${first.answer.status ?? 200}), but its answer held a secret shown only once, which Holdfast does not keep: ${first.shownOnce}.`;
      return { status: 409, body: { status: 409, title: 'Conflict', code: 'answer-shown-once', detail } };
    }
    if (first) return { ...first.answer, headers: { ...first.answer.headers, 'idempotent-replayed': 'true' } };
    handled.push(`POST ${asked.url}`);
    const given = answer(asked);
    const status = given.status ?? 200;
    if (!NOT_KEPT(status)) kept.set(key, { request, url: asked.url, at: new Date().toISOString(), answer: given, shownOnce: status < 300 ? shownOnce(asked) : undefined });
    return given;
  });
  return Object.assign(service, { handled });
}

/**
 * What a command said, and a clock that moves only when it sleeps or `passTime` moves it, so a wait's
 * deadline comes in no time; a signal from `abortAfter` aborts when the clock reaches its time.
 * `stdin` is what is piped in (none by default), read a line at a time as the process reads it.
 */
export function specIo(files: Record<string, string> = {}, stdin = '') {
  const said = { out: '', err: '', sleptMs: [] as number[], abortAfterMs: [] as number[], linesRead: 0 };
  let now = Date.parse('2026-06-14T20:00:00Z');
  const deadlines: { at: number; controller: AbortController }[] = [];
  /** Moves the clock on, aborting each signal whose time has come, as AbortSignal.timeout's would. */
  const passTime = (ms: number) => {
    now += ms;
    for (const { at, controller } of deadlines) if (at <= now) controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError'));
  };
  const io: CliIo = {
    out: (text) => (said.out += text),
    err: (text) => (said.err += text),
    env: { HOLDFAST_KEY: 'spec-key' },
    sleep: async (ms) => {
      said.sleptMs.push(ms);
      passTime(ms);
    },
    now: () => now,
    abortAfter: (ms) => {
      said.abortAfterMs.push(ms);
      const controller = new AbortController();
      deadlines.push({ at: now + ms, controller });
      return controller.signal;
    },
    readFile: (path) => {
      if (!(path in files)) throw new Error(`ENOENT: no such file, open '${path}'`);
      return files[path];
    },
    readLine: async () => {
      said.linesRead += 1;
      return stdin.split(/\r?\n/)[0];
    },
  };
  return { io, said, passTime };
}
