import { RegionCatalog } from '@holdfast/regions';
import { TimeError, TimeErrorCode } from '@holdfast/time';
import { PublicRoute } from '@holdfast/observability';
import { Controller, Get, type INestApplication, Injectable, Module, Post, UnauthorizedException } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atField } from '../errors/at-field';
import { DomainError } from '../errors/domain.error';
import { ProblemDetailsFilter } from '../http/problem-details.filter';
import { Authenticator } from './authenticator';
import { CurrentPrincipal, type Principal } from './principal';
import { RequireScope } from './scopes';
import { SERVICE_CONFIG } from '../config/service-config.token';
import { RequestGuard } from './request.guard';
import { RequestRateLimiter } from './request-rate-limiter';
import { AuthFailureLimiter } from './auth-failure-limiter';

const seen: string[] = [];
const accepted = new Set<string>();

@Injectable()
class HeaderAuthenticator extends Authenticator {
  authenticate(request: Request): Promise<Principal> {
    seen.push(request.path);
    const team = request.header('x-team');
    if (!team) throw new UnauthorizedException({ code: 'missing-key', message: 'Send Authorization: Bearer <key>.' });
    accepted.add(team);
    return Promise.resolve({ kind: 'api-key', id: `key-${team}`, team, scopes: ['read'] });
  }

  override vouchesFor(request: Request): boolean {
    return accepted.has(request.header('x-team') ?? '');
  }
}

@Controller()
class ProbeController {
  @Get('open')
  @PublicRoute()
  open() {
    return { open: true };
  }

  @Get('who')
  who(@CurrentPrincipal() principal: Principal) {
    return principal;
  }

  @Post('write')
  write() {
    return { written: true };
  }

  @Post('samples')
  @RequireScope('samples:write')
  samples() {
    return { accepted: true };
  }

  @Get('domain')
  domain() {
    throw new DomainError('window-held', 423, 'Window w-1 is held by hold h-1 until 21:00Z.', { holds: [{ id: 'h-1' }], retryAfterSeconds: 90.2 });
  }

  @Get('zone')
  zone() {
    return atField('plannedZone', () => {
      throw new TimeError(TimeErrorCode.UnknownZone, 'Unknown IANA zone "Asia/Teheran".');
    });
  }

  @Get('region')
  region() {
    return atField('footprint.regions', () => new RegionCatalog().getAll(['IR', 'XX']));
  }

  @Get('time')
  time() {
    throw new TimeError(TimeErrorCode.InvalidRecurrence, 'Invalid recurrence "FREQ=SOMETIMES".');
  }

  @Get('bug')
  bug() {
    throw new Error('secret internal detail');
  }
}

@Module({
  controllers: [ProbeController],
  providers: [
    { provide: Authenticator, useClass: HeaderAuthenticator },
    { provide: SERVICE_CONFIG, useValue: { limits: { requestsPerMinute: 20, authFailuresPerMinute: 3, maxBodyBytes: 1024 } } },
    RequestRateLimiter,
    AuthFailureLimiter,
    { provide: APP_GUARD, useClass: RequestGuard },
  ],
})
class ProbeModule {}

describe('the request guard, the principal and problem details', () => {
  let app: INestApplication;
  let base: string;
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { headers });

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(ProbeModule, { logger: false });
    // As HOLDFAST_TRUST_PROXY=loopback sets it: X-Forwarded-For stands for callers at other addresses.
    (app as NestExpressApplication).set('trust proxy', 'loopback');
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(() => app?.close());

  it('lets a public route through without asking the authenticator', async () => {
    const response = await get('/open');
    expect(response.status).toBe(200);
    expect(seen).not.toContain('/open');
  });

  it('puts the authenticated principal on the request for the handler', async () => {
    const response = await get('/who', { 'x-team': 'network' });
    expect(await response.json()).toEqual({ kind: 'api-key', id: 'key-network', team: 'network', scopes: ['read'] });
  });

  it('needs admin for an unclassified write and the named scope for a classified one, saying which', async () => {
    const post = (path: string) => fetch(`${base}${path}`, { method: 'POST', headers: { 'x-team': 'network' } });
    const unclassified = await post('/write');
    expect(unclassified.status).toBe(403);
    expect(await unclassified.json()).toMatchObject({ code: 'missing-scope', requiredScope: 'admin', detail: 'This request needs scope admin; key hf_key-network (team network) has read.' });
    expect(await (await post('/samples')).json()).toMatchObject({ status: 403, requiredScope: 'samples:write' });
  });

  it('limits each key to its requests per minute with a 429 and Retry-After, leaving other keys alone', async () => {
    const statuses: number[] = [];
    for (let request = 0; request < 21; request++) statuses.push((await get('/who', { 'x-team': 'busy' })).status);
    expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
    const limited = await get('/who', { 'x-team': 'busy' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ code: 'rate-limited', limitPerMinute: 20 });
    expect((await get('/who', { 'x-team': 'quiet' })).status).toBe(200);
  });

  it('refuses an address that failed authentication too often any credential not accepted before, unread; other addresses, keys accepted before and public routes go on', async () => {
    const from = (address: string, headers: Record<string, string> = {}) => get('/who', { 'x-forwarded-for': address, ...headers });
    for (let attempt = 0; attempt < 3; attempt++) expect((await from('203.0.113.7')).status).toBe(401);
    const asked = seen.length;
    const refused = await from('203.0.113.7', { 'x-team': 'newcomer' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ code: 'too-many-failed-authentications', limitPerMinute: 3 });
    expect(seen.length).toBe(asked);
    // A client behind the same NAT whose key this process has accepted keeps working.
    expect((await get('/who', { 'x-team': 'network' })).status).toBe(200);
    expect((await from('203.0.113.7', { 'x-team': 'network' })).status).toBe(200);
    expect((await from('203.0.113.8', { 'x-team': 'newcomer' })).status).toBe(200);
    expect((await get('/open', { 'x-forwarded-for': '203.0.113.7' })).status).toBe(200);
  });

  it('counts only refused credentials against an address, not answers or missing scopes', async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      expect((await get('/who', { 'x-forwarded-for': '198.51.100.4', 'x-team': 'network' })).status).toBe(200);
      expect((await fetch(`${base}/write`, { method: 'POST', headers: { 'x-forwarded-for': '198.51.100.4', 'x-team': 'network' } })).status).toBe(403);
    }
    expect((await get('/who', { 'x-forwarded-for': '198.51.100.4' })).status).toBe(401);
  });

  it('refuses a request the authenticator refuses, as a problem document', async () => {
    const response = await get('/who');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 401, code: 'missing-key', detail: 'Send Authorization: Bearer <key>.' });
  });

  it('renders a domain error with its status, code, extensions and Retry-After', async () => {
    const response = await get('/domain', { 'x-team': 'network' });
    expect(response.status).toBe(423);
    expect(response.headers.get('retry-after')).toBe('91');
    expect(await response.json()).toMatchObject({ type: 'https://holdfast.dev/problems/window-held', title: 'Locked', code: 'window-held', holds: [{ id: 'h-1' }], instance: '/domain' });
  });

  it('turns a time error into a 422 naming the field, never a 500', async () => {
    const named = await get('/zone', { 'x-team': 'network' });
    expect(named.status).toBe(422);
    expect(await named.json()).toMatchObject({ code: 'unknown-zone', errors: [{ path: 'plannedZone', code: 'unknown-zone', message: 'Unknown IANA zone "Asia/Teheran".' }] });
    const unnamed = await get('/time', { 'x-team': 'network' });
    expect(unnamed.status).toBe(422);
    expect(await unnamed.json()).toMatchObject({ code: 'invalid-recurrence' });
  });

  it('refuses an unknown region with a 422 naming the field and the codes', async () => {
    const response = await get('/region', { 'x-team': 'network' });
    expect(response.status).toBe(422);
    expect(await response.json()).toMatchObject({ code: 'unknown-region', regions: ['XX'], errors: [{ path: 'footprint.regions', code: 'unknown-region' }] });
  });

  it('hides an unexpected error behind a generic 500', async () => {
    const response = await get('/bug', { 'x-team': 'network' });
    expect(response.status).toBe(500);
    expect(JSON.stringify(await response.json())).not.toContain('secret internal detail');
  });
});
