import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';

/** What one team may do to windows and holds with its own key, against the real broker and PostgreSQL. */
describe('maintenance-planner: team scope and the scopes of holds and overrides', () => {
  let service: ServiceUnderTest;
  const keys: Record<string, { key: string; keyId: string }> = {};

  const as = (who: string, method: string, path: string, body?: unknown) =>
    service.fetch(path, {
      method,
      headers: { authorization: `Bearer ${keys[who].key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const window = (ownerTeam: string, startsAt = '2026-08-01T10:00:00Z') => ({
    title: `${ownerTeam} upgrade`,
    ownerTeam,
    footprint: { global: false, regions: ['DE'] },
    startsAt,
    endsAt: new Date(Date.parse(startsAt) + 3_600_000).toISOString(),
    plannedZone: 'Europe/Berlin',
    priority: 'routine',
    surgePolicy: 'hold',
  });

  beforeAll(async () => {
    // Summer 2026, so the windows and holds below stay ahead of the planner's now whatever the date of the run.
    service = await startServiceUnderTest(plannerService, { clock: new ManualClock('2026-06-14T00:00:00Z') });
    const issue = async (name: string, team: string, scopes: string[]) => {
      const response = await service.fetch('/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ team, scopes, name }) });
      keys[name] = (await response.json()) as { key: string; keyId: string };
    };
    await issue('network', 'network', ['read', 'windows:write']);
    await issue('storage', 'storage', ['read', 'windows:write']);
    await issue('oncall', 'sre', ['read', 'holds:declare', 'holds:override']);
    for (const name of Object.keys(keys)) await expectEventually(async () => expect((await as(name, 'GET', '/v1/holds')).status).toBe(200));
  });

  afterAll(async () => {
    await service?.close();
  });

  it('lets a team plan and change only its own windows, and read everyone\'s', async () => {
    const created = await as('network', 'POST', '/v1/windows', window('network'));
    expect(created.status).toBe(201);
    const { windowId, version } = (await created.json()) as { windowId: string; version: number };

    const foreign = await as('storage', 'PATCH', `/v1/windows/${windowId}`, { title: 'taken over', version });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ code: 'other-team', ownerTeam: 'network', detail: expect.stringContaining(`Window ${windowId} belongs to team network`) });
    expect((await as('storage', 'POST', `/v1/windows/${windowId}/cancel`, { reason: 'mine now', version })).status).toBe(403);
    const planned = await as('storage', 'POST', '/v1/windows', window('network'));
    expect(planned.status).toBe(403);
    expect(await planned.json()).toMatchObject({
      code: 'other-team',
      ownerTeam: 'network',
      detail: 'A key of team storage cannot plan a window for team network: a key acts for its own team only. Set ownerTeam to storage, or use a key of team network or an admin key.',
    });
    expect((await as('storage', 'GET', `/v1/windows/${windowId}`)).status).toBe(200);
    expect((await as('network', 'PATCH', `/v1/windows/${windowId}`, { title: 'network upgrade, moved', version })).status).toBe(200);
  });

  it('needs holds:declare for a manual hold and records the key\'s team and id in the audit trail', async () => {
    const hold = { regions: ['NP'], from: '2026-08-02T00:00:00Z', until: '2026-08-03T00:00:00Z', reason: 'Election in Nepal' };
    const refused = await as('network', 'POST', '/v1/holds', hold);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'missing-scope', requiredScope: 'holds:declare' });

    const placed = await as('oncall', 'POST', '/v1/holds', hold);
    expect(placed.status).toBe(201);
    const { id } = (await placed.json()) as { id: string };
    const audit = await service.app.get(DataSource).query('SELECT actor FROM audit_entry WHERE subject_id = $1', [id]);
    expect(audit.map((row: { actor: string }) => row.actor)).toContain(`sre/${keys.oncall.keyId}`);
  });

  it('needs holds:override to let a window through a hold', async () => {
    const created = await as('network', 'POST', '/v1/windows', window('network', '2026-09-01T10:00:00Z'));
    const { windowId } = (await created.json()) as { windowId: string };
    const refused = await as('network', 'POST', `/v1/windows/${windowId}/override`, { reason: 'security fix' });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'missing-scope', requiredScope: 'holds:override' });
    expect((await as('oncall', 'POST', `/v1/windows/${windowId}/override`, { reason: 'security fix' })).status).not.toBe(403);
  });
});
