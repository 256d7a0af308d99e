import { type UnmarkedSecret, withoutKeySecrets } from '@holdfast/observability';
import { applyDecorators, type CallHandler, type ExecutionContext, Header, Injectable, Logger, type NestInterceptor, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { from, mergeMap, type Observable } from 'rxjs';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { recognisedBootstrapKey } from '../auth/api-key';
import { type Principal, principalOf } from '../auth/principal';
import { Clock } from '../clock/clock';
import { InjectServiceConfig } from '../config/service-config.token';
import type { ServiceConfig } from '../config/service-config';
import { DomainError } from '../errors/domain.error';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
/** Sent with an answer given again for a key already used, rather than the request handled again. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

// A claim whose process stopped saying it still works on the request (it died mid-request) is given up after this long, so
// its key can be used again; a request still being handled says so every ALIVE_EVERY_MS, however long it takes (a large replay).
const ABANDONED_AFTER_MS = 60_000;
const ALIVE_EVERY_MS = 15_000;
const PRUNE_EVERY_MS = 10 * 60_000;
// Visible ASCII, as a UUID or a client's own "create-hold-42" is: nothing a header could mangle.
export const IDEMPOTENCY_KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;
// Answers that say nothing about the request itself (the key's standing, the service's state) or that
// refuse it for the state things are in (a conflict, 409; a hold, 423), which may pass: a retry should be
// handled, not told again. A refusal did nothing, so handling it again can do nothing twice.
const NOT_KEPT = (status: number) => status >= 500 || status === 401 || status === 403 || status === 409 || status === 423 || status === 429;

/** Whether an answer with this status is kept for its Idempotency-Key, and so given again with Idempotent-Replayed: true. */
export const isKeptAnswer = (status: number): boolean => !NOT_KEPT(status);

const ANSWER_SHOWN_ONCE = 'holdfast:answer-shown-once';
/** The same mark on the operation in the OpenAPI document, where describeProblems turns it into the 409 a repeat gets, then drops it. */
export const ANSWER_SHOWN_ONCE_EXTENSION = 'x-answer-shown-once';

/**
 * Marks a POST whose answer holds a secret shown only once (an API key, a signing secret): with an
 * Idempotency-Key, its answer's body is not kept, since the secret would then be stored in plain
 * text, and a repeat is told so with `recover`, what to do instead (a 409 answer-shown-once, which the
 * OpenAPI document names too).
 */
export const AnswerShownOnce = (recover: string): MethodDecorator =>
  // no-store: no cache between the caller and the service keeps a copy of the secret either.
  applyDecorators(SetMetadata(ANSWER_SHOWN_ONCE, recover), ApiExtension(ANSWER_SHOWN_ONCE_EXTENSION, recover), Header('Cache-Control', 'no-store'));

// The headers of an answer a replay repeats: what it is, where what it made lives, and that thing's version;
// and every header of the service's own (Holdfast-Notice, Holdfast-Let-Through), which say what the request did.
const KEPT_HEADERS = ['content-type', 'location', 'etag'] as const;
const KEPT_HEADER_PREFIX = 'holdfast-';

interface KeptAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An answer given before for the same key and request: thrown so the problem filter writes it as it was, status and all. */
export class ReplayedAnswer {
  constructor(readonly answer: KeptAnswer) {}

  writeTo(response: Response): void {
    response.status(this.answer.status).setHeader(REPLAYED_HEADER, 'true');
    for (const [name, value] of Object.entries(this.answer.headers)) response.setHeader(name, value);
    response.end(this.answer.body);
  }
}

const CLAIM = `INSERT INTO idempotent_request (principal_id, key, fingerprint, path, claimed_at, alive_at)
  VALUES ($1, $2, $3, $4, $5, $5)
  ON CONFLICT (principal_id, key) DO UPDATE SET fingerprint = EXCLUDED.fingerprint, path = EXCLUDED.path,
    claimed_at = EXCLUDED.claimed_at, alive_at = EXCLUDED.alive_at, status = NULL, headers = NULL, body = NULL
    WHERE idempotent_request.claimed_at < $6
       OR (idempotent_request.status IS NULL AND idempotent_request.alive_at < $7 AND idempotent_request.fingerprint = EXCLUDED.fingerprint)
  RETURNING 1`;
const STILL_HANDLED = 'UPDATE idempotent_request SET alive_at = $4 WHERE principal_id = $1 AND key = $2 AND claimed_at = $3 AND status IS NULL';
const READ = 'SELECT fingerprint, path, claimed_at, alive_at, status, headers, body FROM idempotent_request WHERE principal_id = $1 AND key = $2';
const KEEP = 'UPDATE idempotent_request SET status = $3, headers = $4, body = $5 WHERE principal_id = $1 AND key = $2 AND claimed_at = $6';
const LET_GO = 'DELETE FROM idempotent_request WHERE principal_id = $1 AND key = $2 AND claimed_at = $3';

interface KeptRow {
  fingerprint: string;
  path: string;
  claimed_at: Date;
  alive_at: Date;
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
}

/**
 * `Idempotency-Key` on a POST (draft-ietf-httpapi-idempotency-key-header): the first request with
 * a key is handled and its answer kept (status, body, Content-Type, Location, ETag and the service's own Holdfast-* headers),
 * with the request's fingerprint, for HOLDFAST_IDEMPOTENCY_KEY_HOURS; the same request again with that key gets the kept
 * answer (status, body and those headers, `Idempotent-Replayed: true`) and is not handled again, so a client retrying a timed-out
 * POST does not plan, hold, declare or subscribe twice. A key is the caller's own: it is scoped to
 * the API key that sent it. The answer is kept before it is sent, so any retry that follows an
 * answer gets that answer.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);
  private lastPrunedMs = 0;
  private readonly keptForMs: number;
  private readonly bootstrapKey: UnmarkedSecret | null;

  constructor(
    private readonly reflector: Reflector,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    @InjectServiceConfig() config: ServiceConfig,
  ) {
    this.keptForMs = config.limits.idempotencyKeyHours * 3_600_000;
    this.bootstrapKey = recognisedBootstrapKey(config.auth.bootstrap);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const key = request.header(IDEMPOTENCY_KEY_HEADER);
    const principal = principalOf(request);
    // The alert webhooks (their senders' own credentials, no key) dedupe by fingerprint already.
    if (request.method !== 'POST' || key === undefined || principal.kind === 'anonymous') return next.handle();
    if (!IDEMPOTENCY_KEY_FORMAT.test(key)) {
      throw new DomainError('invalid-idempotency-key', 400, `The Idempotency-Key header must be 1-255 visible ASCII characters (a UUID, say); got ${JSON.stringify(key.slice(0, 60))}.`);
    }
    const response = context.switchToHttp().getResponse<Response>();
    const shownOnce = this.reflector.get<string | undefined>(ANSWER_SHOWN_ONCE, context.getHandler());
    // The path is kept, and named to another request reusing the key, as a log line would write it: a key pasted into it cut out.
    const claim = { principal: principal.id, key, fingerprint: fingerprintOf(request), path: withoutKeySecrets(request.originalUrl, this.bootstrapKey), shownOnce };
    return from(this.claim(claim)).pipe(
      mergeMap((claimedAt) => {
        this.keepAnswerOf(response, claim, claimedAt);
        return next.handle();
      }),
    );
  }

  /** The instant this request claimed the key at; or the kept answer thrown, or a refusal when the key is busy or was used for another request. */
  private async claim(claim: { principal: string; key: string; fingerprint: string; path: string; shownOnce: string | undefined }): Promise<Date> {
    this.pruneNowAndThen();
    const now = this.clock.now();
    const expired = new Date(now.getTime() - this.keptForMs);
    const abandoned = new Date(now.getTime() - ABANDONED_AFTER_MS);
    // Twice: a claim let go (its answer not kept) between this INSERT and the read is free to take again.
    for (let attempt = 0; attempt < 2; attempt++) {
      const claimed = (await this.dataSource.query(CLAIM, [claim.principal, claim.key, claim.fingerprint, claim.path, now, expired, abandoned])) as unknown[];
      if (claimed.length > 0) return now;
      const [kept] = (await this.dataSource.query(READ, [claim.principal, claim.key])) as KeptRow[];
      if (!kept) continue;
      if (kept.fingerprint !== claim.fingerprint) {
        throw new DomainError(
          'idempotency-key-reused',
          422,
          `Idempotency-Key ${claim.key} was used at ${kept.claimed_at.toISOString()} for another request (POST ${kept.path}${kept.path === claim.path ? ' with another body' : ''}): send a new key with each new request.`,
        );
      }
      if (kept.status === null) throw inFlight(claim.key, kept.alive_at, now);
      if (kept.body === null && claim.shownOnce !== undefined && kept.status < 300) {
        throw new DomainError(
          'answer-shown-once',
          409,
          `The request with Idempotency-Key ${claim.key} was done at ${kept.claimed_at.toISOString()} (${kept.status}), but its answer held a secret shown only once, which Holdfast does not keep: ${claim.shownOnce}.`,
        );
      }
      throw new ReplayedAnswer({ status: kept.status, headers: kept.headers ?? {}, body: kept.body ?? '' });
    }
    throw new DomainError('idempotency-key-in-flight', 409, `A request with Idempotency-Key ${claim.key} was being handled: ask again.`, { retryAfterSeconds: 1 });
  }

  /** Keeps the answer (or lets the key go, for one not worth keeping) before it leaves, whichever way it is written. */
  private keepAnswerOf(response: Response, claim: { principal: string; key: string; shownOnce: string | undefined }, claimedAt: Date): void {
    const alive = setInterval(() => {
      void this.dataSource.query(STILL_HANDLED, [claim.principal, claim.key, claimedAt, this.clock.now()]).catch(() => undefined);
    }, ALIVE_EVERY_MS).unref();
    const end = response.end.bind(response) as (...args: unknown[]) => Response;
    response.end = ((...args: unknown[]) => {
      clearInterval(alive);
      const [chunk] = args;
      const status = response.statusCode;
      // A refusal holds no secret, and is kept to be given again like any other kept answer.
      const body = claim.shownOnce !== undefined && status < 300 ? null : typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      const settled = NOT_KEPT(status)
        ? this.dataSource.query(LET_GO, [claim.principal, claim.key, claimedAt])
        : this.dataSource.query(KEEP, [claim.principal, claim.key, status, JSON.stringify(keptHeadersOf(response)), body, claimedAt]);
      // Not kept (the database away), the claim is given up after ABANDONED_AFTER_MS and a retry is handled again.
      void settled.catch((error: unknown) => this.logger.warn({ err: error, key: claim.key }, 'could not keep the answer for an Idempotency-Key; a retry with it will be handled again once the claim is abandoned')).finally(() => end(...args));
      return response;
    }) as Response['end'];
  }

  private pruneNowAndThen(): void {
    const nowMs = this.clock.nowMs();
    if (nowMs - this.lastPrunedMs < PRUNE_EVERY_MS) return;
    this.lastPrunedMs = nowMs;
    const before = new Date(nowMs - this.keptForMs);
    void this.dataSource.query('DELETE FROM idempotent_request WHERE claimed_at < $1', [before]).catch((error: unknown) => this.logger.warn({ err: error }, 'could not prune expired Idempotency-Keys'));
  }
}

/** The request as far as a retry must repeat it (a POST, the only method keys are taken on): path and query, and the JSON body. */
function fingerprintOf(request: Request): string {
  return createHash('sha256').update(`${request.originalUrl}\n${JSON.stringify(request.body ?? null)}`).digest('base64url');
}

function keptHeadersOf(response: Response): Record<string, string> {
  const kept: Record<string, string> = {};
  // Node gives header names in lower case.
  const names = [...KEPT_HEADERS, ...response.getHeaderNames().filter((name) => name.startsWith(KEPT_HEADER_PREFIX))];
  for (const name of names) {
    const value = response.getHeader(name);
    if (value !== undefined) kept[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return kept;
}

/**
 * The 409 for a key whose request has no answer yet. Its process says it is still at work every
 * ALIVE_EVERY_MS: past that (and a margin), it most likely stopped (killed mid-request), so the
 * caller is told when the key is free again rather than to ask every second until it gives up.
 */
function inFlight(key: string, aliveAt: Date, now: Date): DomainError {
  const silentMs = now.getTime() - aliveAt.getTime();
  if (silentMs <= ALIVE_EVERY_MS + 5_000) {
    return new DomainError('idempotency-key-in-flight', 409, `A request with Idempotency-Key ${key} is still being handled: ask again in a moment for its answer.`, { retryAfterSeconds: 1 });
  }
  const freeAt = new Date(aliveAt.getTime() + ABANDONED_AFTER_MS);
  return new DomainError(
    'idempotency-key-in-flight',
    409,
    `A request with Idempotency-Key ${key} has no answer, and its service last said it was at work on it ${Math.round(silentMs / 1000)} s ago: it most likely stopped mid-request. The key is free again at ${freeAt.toISOString()}; sending the request then handles it (once).`,
    { retryAfterSeconds: Math.max(1, Math.ceil((freeAt.getTime() - now.getTime()) / 1000)) },
  );
}
