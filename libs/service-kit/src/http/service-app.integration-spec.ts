import { ConsumerGroups } from '@holdfast/contracts';
import { startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { Body, Controller, Get, Module, Param, Post, Query } from '@nestjs/common';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { RequireScope } from '../auth/scopes';
import { defineService } from '../definition/define-service';
import { UuidParamPipe } from './uuid-param.pipe';
import { ZodBodyPipe } from './zod-body.pipe';

// A body of any shape, as a route taking free-form JSON (labels, annotations) reads it.
const FreeForm = z.record(z.string(), z.unknown());

@Controller('v1/notes')
class NotesController {
  @Post()
  @RequireScope('read')
  take(@Body(new ZodBodyPipe(FreeForm)) body: z.infer<typeof FreeForm>, @Query() query: Record<string, unknown>) {
    return { fields: Object.keys(body), query: Object.keys(query) };
  }

  @Get()
  list() {
    return { items: [{ fields: ['a'] }], nextCursor: null };
  }

  @Get(':id')
  get(@Param('id', UuidParamPipe) id: string) {
    return { id };
  }
}

@Module({ controllers: [NotesController] })
class NotesModule {}

const notesService = defineService({
  name: 'kit-http-face',
  description: 'The HTTP face every service shows, with one free-form route',
  schema: 'kit_http_face',
  defaultPort: 3990,
  topics: [],
  entities: [],
  migrations: [],
  modules: [NotesModule],
  keysConsumerGroup: ConsumerGroups.plannerKeys,
});

describe('the HTTP face of a service, sent bodies no parser expects', () => {
  let service: ServiceUnderTest;
  beforeAll(async () => {
    service = await startServiceUnderTest(notesService);
  });
  afterAll(() => service?.close());

  /** A request with exactly these headers and bytes (fetch would set its own Content-Encoding rules). */
  const post = (headers: Record<string, string>, body: Buffer | string) =>
    new Promise<{ status: number; problem: { code?: string; detail?: string } }>((resolve, reject) => {
      const sent = request(`${service.baseUrl}/v1/notes`, { method: 'POST', headers: { authorization: `Bearer ${service.adminKey}`, 'content-type': 'application/json', ...headers } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode!, problem: JSON.parse(Buffer.concat(chunks).toString() || '{}') as { code?: string; detail?: string } }));
      });
      sent.on('error', reject);
      sent.end(body);
    });

  it('never answers with a bootstrap key pasted into the path, which need not start with hf_bootstrap_, and says where it goes', async () => {
    // startServiceUnderTest's admin key is test-admin-<secret>, as HOLDFAST_BOOTSTRAP_KEY may be any secret.
    expect(service.adminKey).not.toMatch(/^hf_/);
    const asId = await service.fetch(`/v1/notes/${service.adminKey}`);
    const asIdText = await asId.text();
    expect(asId.status).toBe(400);
    expect(JSON.parse(asIdText)).toMatchObject({ code: 'invalid-path', instance: '/v1/notes/[redacted]', detail: expect.stringContaining('"[redacted]" is not one: that is an API key, which goes in the Authorization header') });
    // A DELETE: the request timings below count the GETs no route took.
    const nowhere = await service.fetch(`/v1/nothing/${service.adminKey}?note=${encodeURIComponent(service.adminKey)}`, { method: 'DELETE' });
    const nowhereText = await nowhere.text();
    expect(nowhere.status).toBe(404);
    expect(JSON.parse(nowhereText)).toMatchObject({ code: 'no-such-route', instance: '/v1/nothing/[redacted]?note=[redacted]', detail: expect.stringMatching(/^No route of the kit-http-face serves DELETE \/v1\/nothing\/\[redacted\]: check the URL/) });
    for (const text of [asIdText, nowhereText]) expect(text).not.toContain(service.adminKey.slice('test-admin-'.length));
    // An ordinary segment as long as the key is said as sent.
    const ordinary = 'n'.repeat(service.adminKey.length);
    expect(await (await service.fetch(`/v1/notes/${ordinary}`)).json()).toMatchObject({ instance: `/v1/notes/${ordinary}`, detail: expect.stringContaining(`"${ordinary}" is not one.`) });
  });

  it("names the service whose route a request was meant for, through the whole HTTP face (the request logger's routes on every path too)", async () => {
    // A DELETE: the request timings below count the GETs no route took.
    const response = await service.fetch('/v1/declarations/0197a1b2-aaaa-7bbb-8ccc-000000000001?reason=over', { method: 'DELETE' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({
      code: 'no-such-route',
      detail:
        'No route of the kit-http-face serves DELETE /v1/declarations/0197a1b2-aaaa-7bbb-8ccc-000000000001: the impact-analyzer does (DELETE /v1/declarations/{id}); send it there (by default port 3002 under npm start, HOLDFAST_ANALYZER_URL for the CLI).',
      servedBy: 'impact-analyzer',
    });
  });

  it('refuses a query parameter whose percent-encoding is malformed, naming it, on any route (Express read %ZZ literally)', async () => {
    const response = await service.fetch('/v1/notes?team=%ZZ', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'invalid-query', errors: [{ path: 'team', message: 'is malformed percent-encoding: %ZZ is no escape of a byte' }] });
    expect((await service.fetch('/v1/notes?team=%25ZZ', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).toBe(201);
  });

  it('refuses query parameters on a route that reads none, naming each, rather than ignoring what the caller asked for', async () => {
    const response = await service.fetch('/v1/notes?dryRun=true&verbose');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      code: 'invalid-query',
      errors: [
        { path: 'dryRun', message: 'is not a field of this request' },
        { path: 'verbose', message: 'is not a field of this request' },
      ],
    });
    expect((await service.fetch('/v1/notes')).status).toBe(200);
    // A route that reads its query still has it.
    expect(await (await service.fetch('/v1/notes?dryRun=true', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })).json()).toEqual({ fields: ['a'], query: ['dryRun'] });
    // Open routes (probes, the week page's own parameters) are left alone.
    expect((await service.fetch('/health/live?probe=kubelet')).status).toBe(200);
  });

  it('answers a body that does not inflate as its Content-Encoding says with 400, not 500', async () => {
    for (const encoding of ['gzip', 'deflate']) {
      const { status, problem } = await post({ 'content-encoding': encoding }, Buffer.from('{"plainly":"not compressed"}'));
      expect([status, problem.code]).toEqual([400, 'unreadable-body']);
      expect(problem.detail).toMatch(/^The request body could not be read \(.+\): check that it matches its Content-Encoding and Content-Length, and send it again\.$/);
    }
  });

  it('stops a compressed body once it inflates past the limit, and says so in words', async () => {
    const inflatesToTwentyMiB = gzipSync(Buffer.from(`{"a":"${'x'.repeat(20 * 1024 * 1024)}"}`));
    const { status, problem } = await post({ 'content-encoding': 'gzip' }, inflatesToTwentyMiB);
    expect([status, problem.code]).toEqual([413, 'body-too-large']);
    expect(problem.detail).toBe('The request body is larger than the limit; the limit is 1048576 bytes (HOLDFAST_MAX_BODY_BYTES). Send smaller batches.');
  });

  it('reads JSON nested deeper than the call stack goes without a 500', async () => {
    const depth = 200_000;
    const nested = (leaf: string) => `{"deep":${'['.repeat(depth)}${leaf}${']'.repeat(depth)}}`;
    expect(await post({}, nested('1'))).toEqual({ status: 201, problem: { fields: ['deep'], query: [] } });
    const withNul = await post({}, nested('"a\\u0000b"'));
    expect([withNul.status, withNul.problem.code]).toEqual([400, 'invalid-body']);
  });

  it('answers with the request id even what the body parser refuses before any route or the request logger sees it', async () => {
    const send = (body: string) =>
      fetch(`${service.baseUrl}/v1/notes`, { method: 'POST', headers: { authorization: `Bearer ${service.adminKey}`, 'content-type': 'application/json', 'x-request-id': 'ci-run-7/step-2' }, body });
    const refused = await send('{"not json');
    expect([refused.status, refused.headers.get('x-request-id')]).toEqual([400, 'ci-run-7/step-2']);
    const tooLarge = await send(JSON.stringify({ a: 'x'.repeat(2 * 1024 * 1024) }));
    expect([tooLarge.status, tooLarge.headers.get('x-request-id')]).toEqual([413, 'ci-run-7/step-2']);
    const taken = await send('{"a":1}');
    expect([taken.status, taken.headers.get('x-request-id')]).toEqual([201, 'ci-run-7/step-2']);
    expect((await fetch(`${service.baseUrl}/v1/notes`, { method: 'POST', body: '{' })).headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });

  it('tags no answer by a hash of its body: not a 201, a problem document or a list, which no condition could name', async () => {
    const created = await service.fetch('/v1/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect([created.status, created.headers.get('etag')]).toEqual([201, null]);
    const refused = await service.fetch('/v1/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect([refused.status, refused.headers.get('etag')]).toEqual([400, null]);
    // A page has no version of its own: read in full each time, whatever If-None-Match names.
    const listed = await service.fetch('/v1/notes', { headers: { 'if-none-match': '*' } });
    expect([listed.status, listed.headers.get('etag'), await listed.json()]).toEqual([200, null, { items: [{ fields: ['a'] }], nextCursor: null }]);
  });

  it('times every API request by route template and status, a request no route took (a path nothing serves, a body refused before routing) as unrouted, and probes and scrapes not at all', async () => {
    await post({}, '{"a":1}');
    await post({ 'content-encoding': 'gzip' }, 'not gzip');
    await fetch(`${service.baseUrl}/v1/notes/0197a1b2-aaaa-7bbb-8ccc-000000000001/nowhere`);
    await fetch(`${service.baseUrl}/health/ready`);
    const counts = Object.fromEntries(
      [...(await (await service.fetch('/metrics')).text()).matchAll(/^holdfast_http_request_duration_seconds_count\{(.*)\} (\d+)$/gm)].map(([, labels, count]) => {
        const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(labels)![1];
        return [`${label('method')} ${label('route')} ${label('status')}`, Number(count)];
      }),
    );
    expect(counts).toMatchObject({ 'POST /v1/notes 201': expect.any(Number), 'POST unrouted 400': expect.any(Number), 'GET unrouted 404': 1 });
    expect(Object.keys(counts).filter((key) => /health|metrics|0197a1b2/.test(key))).toEqual([]);
  });

  it('marks every answer as the type it says (nosniff): a page, a problem document, a probe, a path nothing serves', async () => {
    for (const [path, status] of [['/v1/notes', 200], ['/v1/notes?x=1', 400], ['/health/live', 200], ['/v1/nothing-here', 404]] as const) {
      const answer = await service.fetch(path);
      expect([answer.status, answer.headers.get('x-content-type-options')], path).toEqual([status, 'nosniff']);
    }
  });
});

describe('a service started again on the database of one that ran before (a restart, a second replica)', () => {
  // This file's service alone makes databases of this name, so other files running meanwhile do not change the list.
  const testDatabases = async (on: ServiceUnderTest) => {
    const client = new Client({ connectionString: on.database.url });
    await client.connect();
    try {
      return (await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'holdfast\\_t\\_kit\\_http\\_face\\_%' ORDER BY datname")).rows.map((row) => row.datname);
    } finally {
      await client.end();
    }
  };

  it('runs on that database, makes none of its own, and leaves it to its owner to drop', async () => {
    const first = await startServiceUnderTest(notesService);
    try {
      const before = await testDatabases(first);
      const again = await startServiceUnderTest(notesService, { environment: { DATABASE_URL: first.database.url } });
      expect(again.database).toMatchObject({ name: first.database.name, url: first.database.url });
      expect(await testDatabases(first)).toEqual(before);
      await again.close();
      expect(await testDatabases(first)).toContain(first.database.name);
    } finally {
      await first.close();
    }
  });
});
