/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';

const clock = new ManualClock('2026-10-01T00:00:00Z');

interface Answer {
  status: number;
  body: Record<string, any>;
}

/**
 * A window whose surgePolicy is exempt or notify-only runs through every hold on its footprint: a standing override,
 * which needs holds:override as an override does (DESIGN.md 6), against the real broker and PostgreSQL.
 */
describe('maintenance-planner: setting a surgePolicy that runs through holds needs holds:override', () => {
  let service: ServiceUnderTest;
  const keys: Record<string, { key: string; keyId: string }> = {};

  const as = async (who: string | null, method: string, path: string, body?: unknown): Promise<Answer> => {
    const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
    if (who) headers.authorization = `Bearer ${keys[who].key}`;
    const response = await service.fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const actor = (who: string) => `network/${keys[who].keyId}`;
  const window = (startsAt: string, change: Record<string, unknown> = {}) => ({
    title: 'switch firmware in NO',
    ownerTeam: 'network',
    footprint: { global: false, regions: ['NO'] },
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + 3_600_000).toISOString(),
    plannedZone: 'Europe/Oslo',
    ...change,
  });
  const placeHold = async (from: string, until: string, on: { regions: string[]; reason: string } = { regions: ['NO'], reason: 'Election in Norway' }) => {
    const placed = await as(null, 'POST', '/v1/holds', { ...on, from, until });
    expect(placed.status, JSON.stringify(placed.body)).toBe(201);
    return placed.body.id as string;
  };
  const gate = async (windowId: string, at: string) => (await as(null, 'GET', `/v1/gate?windowId=${windowId}&at=${at}`)).status;

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    const issue = async (name: string, scopes: string[]) => {
      const issued = await as(null, 'POST', '/v1/keys', { team: 'network', scopes, name });
      expect(issued.status, JSON.stringify(issued.body)).toBe(201);
      keys[name] = issued.body as { key: string; keyId: string };
    };
    await issue('writer', ['read', 'windows:write']);
    await issue('lead', ['read', 'windows:write', 'holds:override']);
    for (const name of Object.keys(keys)) await expectEventually(async () => expect((await as(name, 'GET', '/v1/holds')).status).toBe(200));
  });

  afterAll(async () => {
    await service?.close();
  });

  it('refuses a window planned exempt or notify-only by a key without holds:override, in a hold or not, naming the scope and why', async () => {
    await placeHold('2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z');
    for (const surgePolicy of ['exempt', 'notify-only']) {
      for (const startsAt of ['2026-10-02T10:00:00Z', '2026-10-05T10:00:00Z']) {
        const refused = await as('writer', 'POST', '/v1/windows', window(startsAt, { surgePolicy }));
        expect(refused).toMatchObject({ status: 403, body: { code: 'missing-scope', requiredScope: 'holds:override', surgePolicy } });
        expect(refused.body.detail).toBe(
          `surgePolicy ${surgePolicy} lets the window run through every hold on its footprint, a standing override: planning a window so needs scope holds:override. Plan it with surgePolicy hold (the default), or ask a key that has holds:override.`,
        );
      }
    }
    expect((await as('writer', 'GET', '/v1/windows?team=network')).body.items).toEqual([]);

    const exempt = await as('lead', 'POST', '/v1/windows', window('2026-10-02T12:00:00Z', { surgePolicy: 'exempt' }));
    expect(exempt.status, JSON.stringify(exempt.body)).toBe(201);
    expect(await gate(exempt.body.windowId, '2026-10-02T12:00:00Z')).toBe(200);
    // A policy that holds is the writer's to choose, as is a window planned outside any hold.
    expect((await as('writer', 'POST', '/v1/windows', window('2026-10-05T12:00:00Z', { surgePolicy: 'hold' }))).status).toBe(201);
  });

  it('refuses a held window changed to exempt or notify-only without holds:override; with it, the release is on the trail as the key\'s, saying why', async () => {
    const planned = await as('writer', 'POST', '/v1/windows', window('2026-10-08T10:00:00Z'));
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const { windowId, version } = planned.body as { windowId: string; version: number };
    const holdId = await placeHold('2026-10-08T00:00:00Z', '2026-10-09T00:00:00Z');
    expect(await gate(windowId, '2026-10-08T10:00:00Z')).toBe(423);

    for (const surgePolicy of ['exempt', 'notify-only']) {
      const refused = await as('writer', 'PATCH', `/v1/windows/${windowId}`, { version, surgePolicy });
      expect(refused).toMatchObject({ status: 403, body: { code: 'missing-scope', requiredScope: 'holds:override', surgePolicy } });
      expect(refused.body.detail).toBe(
        `surgePolicy ${surgePolicy} would let window ${windowId} run through every hold on its footprint, a standing override: changing it from hold needs scope holds:override. Ask a key that has it for an override with a reason (POST /v1/windows/${windowId}/override), or to change the policy.`,
      );
    }
    expect((await as(null, 'GET', `/v1/windows/${windowId}`)).body).toMatchObject({ version, surgePolicy: 'hold', status: 'held' });
    expect(await gate(windowId, '2026-10-08T10:00:00Z')).toBe(423);

    const exempted = await as('lead', 'PATCH', `/v1/windows/${windowId}`, { version, surgePolicy: 'exempt' });
    expect(exempted.status, JSON.stringify(exempted.body)).toBe(200);
    expect(await gate(windowId, '2026-10-08T10:00:00Z')).toBe(200);
    const trail = (await as(null, 'GET', `/v1/audit?subject=${windowId}`)).body.items as { action: string; actor: string; details: Record<string, any> }[];
    expect(trail.map((entry) => [entry.action, entry.actor])).toEqual([
      ['scheduled', actor('writer')],
      ['held', `hold:${holdId}`],
      ['released', actor('lead')],
      ['updated', actor('lead')],
    ]);
    expect(trail[2].details).toMatchObject({ holdId, occurrences: [1], reason: `surgePolicy changed to exempt by ${actor('lead')}` });
  });

  it('takes a window back to surgePolicy hold with windows:write alone', async () => {
    const exempt = await as('lead', 'POST', '/v1/windows', window('2026-10-12T10:00:00Z', { surgePolicy: 'exempt' }));
    expect(exempt.status, JSON.stringify(exempt.body)).toBe(201);
    const holding = await as('writer', 'PATCH', `/v1/windows/${exempt.body.windowId}`, { version: exempt.body.version, surgePolicy: 'hold' });
    expect(holding.status, JSON.stringify(holding.body)).toBe(200);
    expect(holding.body).toMatchObject({ surgePolicy: 'hold', status: 'scheduled' });
    // So is a change to a window that already runs through holds, its policy sent as it is: it asks nothing new of them.
    const flagged = await as('lead', 'PATCH', `/v1/windows/${exempt.body.windowId}`, { version: holding.body.version, surgePolicy: 'notify-only' });
    expect(flagged.status, JSON.stringify(flagged.body)).toBe(200);
    const retitled = await as('writer', 'PATCH', `/v1/windows/${exempt.body.windowId}`, { version: flagged.body.version, title: 'switch firmware in NO, renamed', surgePolicy: 'notify-only' });
    expect(retitled.status, JSON.stringify(retitled.body)).toBe(200);
  });

  it('refuses a window no hold stops moved under a hold by a key without holds:override, naming the hold; moved elsewhere, or by a key with it, it moves', async () => {
    const iran = { regions: ['IR'], reason: 'Election in Iran' };
    // In force now, until the 16th.
    const holdId = await placeHold('2026-10-01T00:00:00Z', '2026-10-16T00:00:00Z', iran);
    const intoHold = (windowId: string, policy: string) =>
      `This change would bring window ${windowId} under active hold ${holdId} (IR: Election in Iran). Its surgePolicy ${policy} lets it run through every hold on its footprint, a standing override given for the footprint and times it had: taking it under a hold it was not under needs scope holds:override. Keep the window out of the hold (GET /v1/windows/${windowId}/suggestions), or ask a key that has holds:override to make the change. Nothing was changed.`;

    // Its footprint moved to a region the hold covers.
    const exempt = await as('lead', 'POST', '/v1/windows', window('2026-10-15T10:00:00Z', { surgePolicy: 'exempt' }));
    expect(exempt.status, JSON.stringify(exempt.body)).toBe(201);
    const exemptId = exempt.body.windowId as string;
    const toIran = { footprint: { global: false, regions: ['IR'] } };
    const refused = await as('writer', 'PATCH', `/v1/windows/${exemptId}`, { version: exempt.body.version, ...toIran });
    expect(refused).toMatchObject({ status: 403, body: { code: 'missing-scope', requiredScope: 'holds:override', surgePolicy: 'exempt', holds: [{ id: holdId, regions: ['IR'], reason: 'Election in Iran' }] } });
    expect(refused.body.detail).toBe(intoHold(exemptId, 'exempt'));
    expect((await as(null, 'GET', `/v1/windows/${exemptId}`)).body).toMatchObject({ version: exempt.body.version, footprint: { regions: ['NO'] } });
    expect((await as(null, 'GET', `/v1/audit?subject=${exemptId}`)).body.items.map((entry: { action: string }) => entry.action)).toEqual(['scheduled']);
    expect((await as(null, 'GET', '/v1/gate?regions=IR&at=2026-10-15T10:00:00Z')).status).toBe(423);

    // Elsewhere, a region no hold covers: windows:write alone, as before.
    const elsewhere = await as('writer', 'PATCH', `/v1/windows/${exemptId}`, { version: exempt.body.version, footprint: { global: false, regions: ['SE'] } });
    expect(elsewhere.status, JSON.stringify(elsewhere.body)).toBe(200);
    const moved = await as('lead', 'PATCH', `/v1/windows/${exemptId}`, { version: elsewhere.body.version, ...toIran });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body).toMatchObject({ surgePolicy: 'exempt', footprint: { regions: ['IR'] } });
    expect(await gate(exemptId, '2026-10-15T10:00:00Z')).toBe(200);
    // Under the hold with the lead's word, a change that brings no run under a hold anew is the writer's to make.
    const widened = await as('writer', 'PATCH', `/v1/windows/${exemptId}`, { version: moved.body.version, footprint: { global: false, regions: ['IR', 'SE'] } });
    expect(widened.status, JSON.stringify(widened.body)).toBe(200);

    // Its times moved into the hold, a notify-only window's too.
    const flagged = await as('lead', 'POST', '/v1/windows', window('2026-10-20T10:00:00Z', { surgePolicy: 'notify-only', footprint: { global: false, regions: ['IR'] }, plannedZone: 'Asia/Tehran' }));
    expect(flagged.status, JSON.stringify(flagged.body)).toBe(201);
    const flaggedId = flagged.body.windowId as string;
    const earlier = await as('writer', 'PATCH', `/v1/windows/${flaggedId}`, { version: flagged.body.version, startsAt: '2026-10-15T12:00:00Z', endsAt: '2026-10-15T13:00:00Z' });
    expect(earlier).toMatchObject({ status: 403, body: { code: 'missing-scope', requiredScope: 'holds:override', surgePolicy: 'notify-only', holds: [{ id: holdId }] } });
    expect(earlier.body.detail).toBe(intoHold(flaggedId, 'notify-only'));
    expect((await as(null, 'GET', `/v1/windows/${flaggedId}`)).body).toMatchObject({ version: flagged.body.version, startsAt: '2026-10-20T10:00:00.000Z' });
    const later = await as('writer', 'PATCH', `/v1/windows/${flaggedId}`, { version: flagged.body.version, startsAt: '2026-10-21T10:00:00Z', endsAt: '2026-10-21T11:00:00Z' });
    expect(later.status, JSON.stringify(later.body)).toBe(200);
  });
});
