import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggingParams, withoutKeySecrets, type UnmarkedSecret } from './logging.module';

// HOLDFAST_BOOTSTRAP_KEY may be any secret of 32+ characters: this one as openssl rand -base64 33 writes one, "/", "+" and all.
const BOOTSTRAP_KEY = 'k9/Qx+Lr2mT8vBwZ3nYp7sHd4fJc6gK1aE0uR5iO/+Wq';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** The bootstrap key as a service knows it: its length and its hash. */
const bootstrapKey: UnmarkedSecret = { length: BOOTSTRAP_KEY.length, matches: (candidate) => sha256(candidate) === sha256(BOOTSTRAP_KEY) };

describe('per-request logging', () => {
  const lines: Record<string, unknown>[] = [];
  let server: Server;
  let logger: HttpLogger<IncomingMessage, ServerResponse>;

  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    logger = pinoHttp(loggingParams({ service: 'spec', level: 'info', bootstrapKey }).pinoHttp as Options, sink);
    server = createServer((request, response) => {
      logger(request, response);
      // What the request guard does once it has authenticated a key.
      const key = request.headers['x-spec-key'];
      if (typeof key === 'string') Object.assign(request, { principal: { kind: 'api-key', id: key, team: key === 'bootstrap' ? null : 'network', scopes: [] } });
      response.setHeader('set-cookie', 'session=s3cr3t-cookie');
      response.setHeader('retry-after', '300');
      response.end('{}');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  });

  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  it('logs each request with its headers, the secret ones masked and the others as sent', async () => {
    const secrets = { authorization: 'Bearer hf_0123456789abcdef_secret', cookie: 'session=s3cr3t', 'x-api-key': 'k3y-0f-a-sender', 'x-holdfast-signature': 'v1,hm4c-0f-a-body' };
    await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/gate?regions=IR`, { headers: { ...secrets, 'x-request-id': 'req-1' } });

    const line = lines.find((candidate) => candidate.msg === 'request completed');
    expect(line).toMatchObject({
      service: 'spec',
      req: { id: 'req-1', method: 'GET', url: '/v1/gate?regions=IR', headers: { authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]', 'x-holdfast-signature': '[redacted]', 'x-request-id': 'req-1' } },
      res: { statusCode: 200, headers: { 'set-cookie': '[redacted]', 'retry-after': '300' } },
    });
    const written = JSON.stringify(lines);
    for (const secret of [...Object.values(secrets), 's3cr3t-cookie']) expect(written).not.toContain(secret);
  });

  it('cuts an API key pasted into a URL to its id, so its secret never reaches the log', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const secret = 'Zq3_xY-0123456789abcdefghijklmnopqrstuvwxyzAB';
    await fetch(`${base}/v1/keys/hf_0123456789abcdef_${secret}/revoke`, { method: 'POST', headers: { 'x-request-id': 'pasted-key' } });
    await fetch(`${base}/v1/holds?note=hf_bootstrap_${secret}`, { headers: { 'x-request-id': 'pasted-admin-key' } });
    const urlOf = (id: string) => (lines.find((line) => line.msg === 'request completed' && (line.req as { id: string }).id === id)?.req as { url: string }).url;
    expect(urlOf('pasted-key')).toBe('/v1/keys/hf_0123456789abcdef_[redacted]/revoke');
    expect(urlOf('pasted-admin-key')).toBe('/v1/holds?note=hf_bootstrap_[redacted]');
    expect(JSON.stringify(lines)).not.toContain(secret);
  });

  it('cuts a bootstrap key with no hf_bootstrap_ prefix from a URL, as written or percent-encoded, and leaves ordinary segments as they are', async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const ordinary = 'db-upgrade-in-tehran-datacentre-for-2026-q3-x';
    await fetch(`${base}/v1/keys/${BOOTSTRAP_KEY}/revoke`, { method: 'POST', headers: { 'x-request-id': 'bootstrap-in-path' } });
    await fetch(`${base}/v1/holds?note=${encodeURIComponent(BOOTSTRAP_KEY)}&team=network`, { headers: { 'x-request-id': 'bootstrap-in-query' } });
    await fetch(`${base}/v1/windows/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b/${ordinary}?reason=${encodeURIComponent(`Bearer ${BOOTSTRAP_KEY}`)}`, { headers: { 'x-request-id': 'bootstrap-after-word' } });
    await fetch(`${base}/v1/windows/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b/${ordinary}?team=${ordinary}`, { headers: { 'x-request-id': 'no-bootstrap' } });
    const urlOf = (id: string) => (lines.find((line) => line.msg === 'request completed' && (line.req as { id: string }).id === id)?.req as { url: string }).url;
    expect(urlOf('bootstrap-in-path')).toBe('/v1/keys/[redacted]/revoke');
    expect(urlOf('bootstrap-in-query')).toBe('/v1/holds?note=[redacted]&team=network');
    expect(urlOf('bootstrap-after-word')).toBe(`/v1/windows/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b/${ordinary}?reason=Bearer%20[redacted]`);
    expect(urlOf('no-bootstrap')).toBe(`/v1/windows/0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b/${ordinary}?team=${ordinary}`);
    const written = JSON.stringify(lines);
    for (const form of [BOOTSTRAP_KEY, encodeURIComponent(BOOTSTRAP_KEY), BOOTSTRAP_KEY.slice(3, 40)]) expect(written).not.toContain(form);
  });

  it("answers each request with its id: the caller's x-request-id when usable, else a new one, which the log line carries too", async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect((await fetch(`${base}/v1/windows`, { headers: { 'x-request-id': 'deploy-42/step-3' } })).headers.get('x-request-id')).toBe('deploy-42/step-3');
    const minted = (await fetch(`${base}/v1/windows`)).headers.get('x-request-id');
    expect(minted).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
    expect(lines.filter((line) => line.msg === 'request completed').map((line) => (line.req as { id: string }).id).slice(-2)).toEqual(['deploy-42/step-3', minted]);
    const tooLong = (await fetch(`${base}/v1/windows`, { headers: { 'x-request-id': 'x'.repeat(201) } })).headers.get('x-request-id');
    expect(tooLong).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it("names the caller's key id and team on the request's line, and nothing for a request no key made", async () => {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await fetch(`${base}/v1/windows`, { headers: { 'x-request-id': 'by-key', 'x-spec-key': '0123456789abcdef' } });
    await fetch(`${base}/v1/windows`, { headers: { 'x-request-id': 'by-bootstrap', 'x-spec-key': 'bootstrap' } });
    await fetch(`${base}/v1/regions`, { headers: { 'x-request-id': 'by-nobody' } });
    const completed = (id: string) => lines.find((line) => line.msg === 'request completed' && (line.req as { id: string }).id === id);
    expect(completed('by-key')).toMatchObject({ caller: { key: 'hf_0123456789abcdef', team: 'network' } });
    expect(completed('by-bootstrap')).toMatchObject({ caller: { key: 'bootstrap', team: null } });
    expect(completed('by-nobody')).toBeDefined();
    expect(completed('by-nobody')).not.toHaveProperty('caller');
  });

  it('redacts fields named secret, password or apiKey in whatever a handler logs', () => {
    logger.logger.info({ subscription: { id: 's-1', secret: 'whsec_abc' }, user: { password: 'hunter2' }, client: { apiKey: 'k-1' } }, 'created');
    expect(lines.at(-1)).toMatchObject({ subscription: { id: 's-1', secret: '[redacted]' }, user: { password: '[redacted]' }, client: { apiKey: '[redacted]' } });
  });
});

describe('withoutKeySecrets', () => {
  it('cuts the bootstrap key wherever a pasted one begins, every time it is there, escapes in either case', () => {
    const lowerEscapes = encodeURIComponent(BOOTSTRAP_KEY).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    expect(withoutKeySecrets(`/v1/x/${BOOTSTRAP_KEY}/y?a=${lowerEscapes}`, bootstrapKey)).toBe('/v1/x/[redacted]/y?a=[redacted]');
    expect(withoutKeySecrets(BOOTSTRAP_KEY, bootstrapKey)).toBe('[redacted]');
  });

  it('leaves text without the key as it is, a prefix or a longer run of it included, and cuts nothing but hf_ keys without one', () => {
    for (const text of ['/v1/windows', `/v1/x/${BOOTSTRAP_KEY.slice(0, -1)}`, '/v1/x/' + 'a'.repeat(200), '/v1/x/%zz%4' + 'b'.repeat(60)]) expect(withoutKeySecrets(text, bootstrapKey)).toBe(text);
    expect(withoutKeySecrets(`/v1/keys/${BOOTSTRAP_KEY}`)).toBe(`/v1/keys/${BOOTSTRAP_KEY}`);
    expect(withoutKeySecrets(`/v1/keys/hf_bootstrap_${BOOTSTRAP_KEY.replace(/[/+]/g, '_')}`, bootstrapKey)).toBe('/v1/keys/hf_bootstrap_[redacted]');
  });

  it('tests only runs of the key length between separators, and at most 64 of a URL, so a URL of separators alone costs no more', () => {
    const tested: string[] = [];
    const counting: UnmarkedSecret = { length: bootstrapKey.length, matches: (candidate) => tested.push(candidate) < 0 };
    const uuid = '0190a7d2-6c4e-7b1a-9f3e-1c2d3e4f5a6b';
    expect(withoutKeySecrets(`/v1/windows/${uuid}/occurrences?from=2026-06-01T00:00:00Z`, counting)).toBe(`/v1/windows/${uuid}/occurrences?from=2026-06-01T00:00:00Z`);
    // The one run of 44 characters there with a separator at each end.
    expect(tested).toEqual([`windows/${uuid}`]);
    tested.length = 0;
    withoutKeySecrets('/'.repeat(10_000), counting);
    expect(tested).toHaveLength(64);
  });
});
