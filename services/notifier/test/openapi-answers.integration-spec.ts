import { expectEventually, ManualClock, documentedBody, startServiceUnderTest, tamperedAnswers, undocumentedProblems, type DocumentedAnswers, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { notifierService } from '../src/app.module';
import { HttpReceiver } from './support/http-receiver';
import { api } from './support/notifier-fixtures';

type JsonSchema = Parameters<typeof z.fromJSONSchema>[0];
type Body = Record<string, unknown> & { items?: Record<string, unknown>[] };

describe("notifier: every subscription and delivery answer is the body its OpenAPI document gives for the route and status", () => {
  const clock = new ManualClock('2026-06-14T21:00:00Z');
  let receiver: HttpReceiver;
  let service: ServiceUnderTest;
  let notifier: ReturnType<typeof api>;
  let document: DocumentedAnswers;
  // Filled as the routes answer, for the last spec to tamper with.
  const answers: Record<string, { status: number; body: Body }> = {};

  /** The body the served document gives for a route's answer with a status, its named views read in place, as a Zod schema (strict: see the planner's spec). */
  const documented = (method: string, route: string, status: number) => {
    const schema = documentedBody(document, method, route, status);
    expect(schema, `${method} ${route} documents no body for ${status}`).toBeDefined();
    return z.fromJSONSchema(schema as JsonSchema);
  };

  const call = async (method: string, route: string, status: number, options: { id?: string; body?: unknown } = {}): Promise<Body> => {
    const response = await notifier.call(method, route.replace('{id}', options.id ?? ''), options.body);
    const answer = (await response.json()) as Body;
    expect(response.status, `${method} ${route}: ${JSON.stringify(answer)}`).toBe(status);
    const declared = (document.paths[route]?.[method.toLowerCase()]?.responses[String(status)] as { headers?: object } | undefined)?.headers ?? {};
    const undeclared = ['ETag', 'Idempotent-Replayed'].filter((header) => response.headers.has(header) && !Object.hasOwn(declared, header));
    expect(undeclared, `${method} ${route} ${status} sends headers its document does not declare`).toEqual([]);
    const checked = documented(method, route, status).safeParse(answer);
    expect(checked.success ? '' : z.prettifyError(checked.error), `${method} ${route} answered what its document does not say`).toBe('');
    answers[`${method} ${route}`] = { status, body: answer };
    return answer;
  };

  beforeAll(async () => {
    receiver = await HttpReceiver.start();
    service = await startServiceUnderTest(notifierService, { clock, environment: { NOTIFIER_OUTBOUND_ALLOW: receiver.allowEntry, NOTIFIER_WORKER_POLL_MS: '50' } });
    notifier = api(service);
    document = (await (await service.fetch('/docs-json')).json()) as DocumentedAnswers;
  });

  afterAll(async () => {
    await service?.close();
    await receiver?.close();
  });

  it('names each refusal its routes give, with the problem document, in an OpenAPI 3.1 document', () => {
    expect(
      undocumentedProblems(document, [
        'POST /v1/subscriptions 422 invalid-subscription',
        'PATCH /v1/subscriptions/{id} 422 invalid-subscription',
        'POST /v1/subscriptions 409 answer-shown-once',
        'POST /v1/subscriptions/{id}/secret/rotate 409 too-many-signing-secrets',
        'POST /v1/subscriptions/{id}/secret/rotate 409 answer-shown-once',
        'POST /v1/deliveries/replay 403 other-team',
        'POST /v1/deliveries/replay 404 subscription-not-found',
        'POST /v1/deliveries/replay 422 idempotency-key-reused',
        'POST /v1/deliveries/{id}/replay 409 delivery-superseded',
        'POST /v1/deliveries/{id}/replay 409 delivery-release-of-unsent-placement',
        'GET /v1/deliveries 503 dependency-unavailable',
      ]),
    ).toEqual([]);
    expect((document as DocumentedAnswers & { openapi: string }).openapi).toBe('3.1.0');
  });

  it('subscriptions: made, listed, read, changed and their secret rotated, as documented', async () => {
    const made = await call('POST', '/v1/subscriptions', 201, { body: { channel: 'webhook', target: `${receiver.url}/documented`, ownerTeam: 'edge', filters: { regions: ['IR'] } } });
    expect(made.secret).toEqual(expect.stringMatching(/^whsec_/));
    const id = String(made.id);
    await call('GET', '/v1/subscriptions', 200);
    await call('GET', '/v1/subscriptions/{id}', 200, { id });
    await call('PATCH', '/v1/subscriptions/{id}', 200, { id, body: { description: 'documented answers' } });
    const rotated = await call('POST', '/v1/subscriptions/{id}/secret/rotate', 200, { id, body: { overlapHours: 1 } });
    expect(rotated).toMatchObject({ id, secret: expect.stringMatching(/^whsec_/), previousSecrets: [{ until: '2026-06-14T22:00:00.000Z' }] });
  });

  it('deliveries: a test message listed, read and replayed, one and in bulk, as documented', async () => {
    const { id: subscriptionId } = await notifier.subscribe({ channel: 'webhook', target: `${receiver.url}/deliveries`, ownerTeam: 'edge' });
    const { deliveryId } = (await (await notifier.call('POST', `/v1/subscriptions/${subscriptionId}/test`)).json()) as { deliveryId: string };
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${subscriptionId}`)).toMatchObject([{ id: deliveryId, status: 'delivered' }]));
    const listed = await call('GET', '/v1/deliveries', 200);
    expect(listed.items?.[0]).toMatchObject({ id: deliveryId, subscriptionId, attemptLog: [{ number: 1, statusCode: 204, outcome: 'delivered' }] });
    const read = await call('GET', '/v1/deliveries/{id}', 200, { id: deliveryId });
    expect(read.event).toMatchObject({ specversion: '1.0', type: 'notifier.test', data: { subscriptionId } });
    expect(await call('POST', '/v1/deliveries/{id}/replay', 202, { id: deliveryId })).toMatchObject({ id: deliveryId, subscriptionId });
    await expectEventually(async () => expect(await notifier.deliveries(`subscriptionId=${subscriptionId}`)).toMatchObject([{ status: 'delivered', attempts: 1 }]));
    expect(await call('POST', '/v1/deliveries/replay', 202, { body: { subscriptionId, status: 'delivered' } })).toEqual({ replayed: 1 });
  });

  it('refuses an answer that grows a field the document does not declare, or lacks one it requires', () => {
    expect(Object.keys(answers).sort()).toEqual(['GET /v1/deliveries', 'GET /v1/deliveries/{id}', 'GET /v1/subscriptions', 'GET /v1/subscriptions/{id}', 'PATCH /v1/subscriptions/{id}', 'POST /v1/deliveries/replay', 'POST /v1/deliveries/{id}/replay', 'POST /v1/subscriptions', 'POST /v1/subscriptions/{id}/secret/rotate']);
    for (const [route, { status, body }] of Object.entries(answers)) {
      const [method, path] = route.split(' ');
      const schema = documented(method, path, status);
      for (const [change, tampered] of tamperedAnswers(body)) expect(schema.safeParse(tampered).success, `${route} ${change}`).toBe(false);
    }
    // The rotation's answer is the only one that must show the new secret.
    const { secret: _secret, ...withoutSecret } = answers['POST /v1/subscriptions/{id}/secret/rotate'].body;
    expect(documented('POST', '/v1/subscriptions/{id}/secret/rotate', 200).safeParse(withoutSecret).success).toBe(false);
  });
});
