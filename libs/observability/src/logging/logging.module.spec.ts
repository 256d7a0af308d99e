import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp, type HttpLogger, type Options } from 'pino-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggingParams } from './logging.module';

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
    logger = pinoHttp(loggingParams({ service: 'spec', level: 'info' }).pinoHttp as Options, sink);
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
