/* eslint-disable @typescript-eslint/no-explicit-any -- response bodies are read loosely; the assertions check their shape */
import { createEvent } from '@holdfast/contracts';
import { createKafka, EventPublisher, silentLogger } from '@holdfast/messaging';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plannerService } from '../src/app.module';
import { PlannerSweep } from '../src/holds/planner-sweep.service';

const clock = new ManualClock('2026-06-14T20:00:00Z');

/**
 * GET /v1/windows/{id}/suggestions against the holds as planning meets them: a suggested slot is
 * one a PATCH to it accepts, and the run compared against is the one that needs the slot.
 */
describe('maintenance-planner: slot suggestions, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let publisher: EventPublisher;
  let sweep: PlannerSweep;
  /** Holds a spec placed, released after it: an open-ended one would hold every later spec's windows. */
  let placed: string[] = [];

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> => {
    const response = await service.fetch(path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  const plan = async (change: Record<string, unknown>) => {
    const answer = await api('POST', '/v1/windows', { title: 'Core router firmware upgrade', ownerTeam: 'network-platform', plannedZone: 'UTC', ...change });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body.windowId as string;
  };
  const declare = async (hold: { regions: string[]; from: string; until?: string }) => {
    const answer = await api('POST', '/v1/holds', { reason: 'election week', ...hold });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    placed.push(answer.body.id);
    return answer.body as { id: string; from: string; until: string | null };
  };
  const release = async (id: string) => expect((await api('POST', `/v1/holds/${id}/release`, { reason: 'over' })).status).toBe(200);
  const suggestions = async (windowId: string) => {
    const answer = await api('GET', `/v1/windows/${windowId}/suggestions`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return answer.body;
  };
  /** Moves the window to the slot as its owner would; a slot inside a hold answers 409 window-in-hold. */
  const moveTo = async (windowId: string, slot: { startsAt: string; endsAt: string }) => {
    const { version } = (await api('GET', `/v1/windows/${windowId}`)).body;
    return api('PATCH', `/v1/windows/${windowId}`, { version, startsAt: slot.startsAt, endsAt: slot.endsAt });
  };

  beforeAll(async () => {
    service = await startServiceUnderTest(plannerService, { clock, environment: { PLANNER_SWEEP_INTERVAL_SECONDS: '0' } });
    const { kafka } = service.config;
    publisher = new EventPublisher(createKafka(kafka, silentLogger), kafka);
    await publisher.connect();
    sweep = service.app.get(PlannerSweep);
  });

  afterEach(async () => {
    const active = new Set(((await api('GET', '/v1/holds?active=true')).body.items as { id: string }[]).map((hold) => hold.id));
    for (const id of placed.filter((hold) => active.has(hold))) await release(id);
    placed = [];
  });

  afterAll(async () => {
    await publisher?.disconnect();
    await service?.close();
  });

  it('takes a hold with no end to last its horizon: no slot before then, says so, a move into it refused and one to a slot taken', async () => {
    clock.set('2026-06-14T20:00:00Z');
    const window = await plan({
      footprint: { global: false, regions: ['NP'] },
      startsAt: '2026-06-15T02:00:00Z',
      endsAt: '2026-06-15T03:00:00Z',
      flexibility: { earliestStartAt: '2026-06-15T00:00:00Z', deadlineAt: '2026-06-19T00:00:00Z' },
    });
    const hold = await declare({ regions: ['NP'], from: '2026-06-15T12:00:00Z' });
    expect(hold.until).toBeNull();
    // Fanned out 24 h (HOLD_HORIZON_HOURS) from its start: the slots take it to last that long, no less.
    // Kathmandu's nights (19:15-23:15 UTC), cheapest without a baseline, all come after the hold's start.
    const { slots, notes } = await suggestions(window);
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) expect(slot.startsAt >= '2026-06-16T12:00:00.000Z', `${slot.startsAt} is after the hold as estimated`).toBe(true);
    expect(notes).toContain(
      `Hold ${hold.id} (NP: election week) has no end yet: these slots take it to be over by 2026-06-16T12:00:00.000Z (HOLD_HORIZON_HOURS ahead). Until it is released, a move to start before then is refused (409 window-in-hold) unless overridden, and one after it is held when its time comes near if the hold still lasts; ask again after its release for slots sooner.`,
    );
    expect((await moveTo(window, { startsAt: '2026-06-15T20:00:00Z', endsAt: '2026-06-15T21:00:00Z' })).body.code).toBe('window-in-hold');
    // A slot offered lies beyond what the hold holds: taken, and held when its time comes near if the hold still lasts.
    expect((await moveTo(window, slots[0])).status).toBe(200);
    // Before the hold starts, the window moves freely.
    expect((await moveTo(window, { startsAt: '2026-06-15T05:00:00Z', endsAt: '2026-06-15T06:00:00Z' })).status).toBe(200);
  });

  it('takes a surge hold whose surge outlasted its expected end to last its horizon from now, not to end at the passed estimate', async () => {
    clock.set('2026-07-01T00:00:00Z');
    const surgeId = uuidv7();
    await publisher.publish(
      createEvent(
        'surge.started',
        {
          surgeId,
          region: 'IR',
          metric: 'requests',
          source: 'detector',
          severity: 'major',
          startedAt: '2026-07-01T00:00:00Z',
          detectedAt: '2026-07-01T00:00:05Z',
          expectedEndAt: '2026-07-01T06:00:00Z',
          evidence: { observed: 5_000, baseline: 1_000, score: 5 },
          reason: 'requests in IR surged',
        },
        { source: 'slots-spec', subject: 'IR' },
      ),
    );
    const hold = await expectEventually(async () => {
      const found = ((await api('GET', '/v1/holds?active=true')).body.items as { id: string; causeId: string }[]).find((entry) => entry.causeId === surgeId);
      expect(found).toBeDefined();
      return found!;
    });
    placed.push(hold.id);
    // After the expected end, so not held when planned.
    const window = await plan({
      footprint: { global: false, regions: ['IR'] },
      startsAt: '2026-07-01T10:00:00Z',
      endsAt: '2026-07-01T11:00:00Z',
      flexibility: { earliestStartAt: '2026-07-01T00:00:00Z', deadlineAt: '2026-07-05T00:00:00Z' },
    });
    // The expected end passed and the surge goes on (no sweep ran): the hold is met as open-ended.
    clock.set('2026-07-01T08:00:00Z');
    const answer = await suggestions(window);
    expect(answer.slots.length).toBeGreaterThan(0);
    for (const slot of answer.slots) expect(slot.startsAt >= '2026-07-02T08:00:00.000Z', `${slot.startsAt} is after the hold as estimated`).toBe(true);
    expect(answer.notes).toContain(
      `Hold ${hold.id} (IR: Surge in IR: requests in IR surged) has no end yet: these slots take it to be over by 2026-07-02T08:00:00.000Z (HOLD_HORIZON_HOURS ahead). Until it is released, a move to start before then is refused (409 window-in-hold) unless overridden, and one after it is held when its time comes near if the hold still lasts; ask again after its release for slots sooner.`,
    );
    expect((await moveTo(window, { startsAt: '2026-07-01T22:00:00Z', endsAt: '2026-07-01T23:00:00Z' })).body.code).toBe('window-in-hold');
  });

  it('keeps a global window out of a hold on a region without a baseline, scoring the held region at its local night with a note', async () => {
    // A fresh install: no baseline at all, so a global window is scored over the region held, whose surge says it depends on the service most
    // (the 2009 upgrade moved to 01:30 in Tehran), not over the planned zone's region.
    clock.set('2026-08-03T00:00:00Z');
    const hold = await declare({ regions: ['IR'], from: '2026-08-03T00:00:00Z', until: '2026-08-05T00:00:00Z' });
    const window = await plan({
      footprint: { global: true, regions: [] },
      plannedZone: 'America/New_York',
      startsAt: '2026-08-06T12:00:00Z',
      endsAt: '2026-08-06T13:00:00Z',
      flexibility: { earliestStartAt: '2026-08-03T00:00:00Z', deadlineAt: '2026-08-07T00:00:00Z' },
    });
    const answer = await suggestions(window);
    expect(answer).toMatchObject({ scoredRegions: ['IR'], fallbackRegions: ['IR'], notes: ['IR: no learned baseline yet; scored as quiet at local night (01:00-05:00 Asia/Tehran).'] });
    expect(answer.slots.length).toBeGreaterThan(0);
    for (const slot of answer.slots) {
      expect(slot.startsAt >= hold.until!, `${slot.startsAt} is after the IR hold`).toBe(true);
      expect(slot.localTimes.find((local: { region: string }) => local.region === 'IR')).toMatchObject({ zone: 'Asia/Tehran', offset: '+03:30' });
    }
    // The first slot is the first of Tehran's night once the hold ends (00:00 UTC, 03:30 there): 03:30-04:30, within 01:00-05:00.
    expect(answer.slots[0]).toMatchObject({ startsAt: '2026-08-05T00:00:00.000Z', localTimes: [{ region: 'IR', startsAtLocal: expect.stringMatching(/T03:30/), endsAtLocal: expect.stringMatching(/T04:30/) }] });
    expect((await moveTo(window, answer.slots[0])).status).toBe(200);

    // The current slot, moved into the hold with an override, is reported held by IR.
    const { version } = (await api('GET', `/v1/windows/${window}`)).body;
    const moved = await api('PATCH', `/v1/windows/${window}`, { version, startsAt: '2026-08-04T12:00:00Z', endsAt: '2026-08-04T13:00:00Z', override: { reason: 'the drill cannot wait' } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect((await suggestions(window)).current.heldRegions).toEqual(['IR']);

    // Released, IR stays at stake for a week (an election week outlasts its surge); after it, the planned zone's region is scored again.
    await release(hold.id);
    expect((await suggestions(window)).scoredRegions).toEqual(['IR']);
    clock.set('2026-08-10T00:01:00Z');
    const later = await plan({ footprint: { global: true, regions: [] }, plannedZone: 'America/New_York', startsAt: '2026-08-12T12:00:00Z', endsAt: '2026-08-12T13:00:00Z' });
    expect(await suggestions(later)).toMatchObject({ scoredRegions: ['US'], notes: ['US: no learned baseline yet; scored as quiet at local night (01:00-05:00 America/New_York).'] });
  });

  it('shows each slot in the planned zone too when its allowed hours are read there, suggested and proposed to a held run', async () => {
    clock.set('2026-07-01T00:00:00Z');
    // 02:00-04:00 on Lord Howe (+10:30 in July), read there alone; AU's times are Sydney's (+10:00), half an hour off them.
    const window = await plan({
      footprint: { global: false, regions: ['AU'] },
      plannedZone: 'Australia/Lord_Howe',
      startsAt: '2026-07-01T16:00:00Z',
      endsAt: '2026-07-01T17:00:00Z',
      flexibility: { earliestStartAt: '2026-07-01T00:00:00Z', deadlineAt: '2026-07-05T00:00:00Z', allowedLocalHours: { ranges: [{ from: '02:00', to: '04:00' }], in: 'window-zone' } },
    });
    const inPlannedZone = (slot: { localTimes: { zone: string }[] }) => slot.localTimes.find((local) => local.zone === 'Australia/Lord_Howe') as Record<string, string>;
    const answer = await suggestions(window);
    expect(answer.slots.length).toBeGreaterThan(0);
    for (const slot of answer.slots) {
      expect(slot.localTimes.map((local: { region: string; zone: string }) => [local.region, local.zone])).toEqual([
        ['AU', 'Australia/Sydney'],
        ['planned', 'Australia/Lord_Howe'],
      ]);
      const local = inPlannedZone(slot);
      expect(local.offset).toBe('+10:30');
      expect(local.startsAtLocal.slice(11) >= '02:00' && local.endsAtLocal.slice(11) <= '04:00', JSON.stringify(local)).toBe(true);
    }

    // Held through its time and let go: the run needs a new slot, proposed in Lord Howe's time too.
    const hold = await declare({ regions: ['AU'], from: '2026-07-01T12:00:00Z', until: '2026-07-01T20:00:00Z' });
    clock.set('2026-07-01T18:00:00Z');
    await release(hold.id);
    const [run] = (await api('GET', `/v1/windows/${window}/occurrences`)).body.items;
    expect(run.status).toBe('needs-reschedule');
    expect(inPlannedZone(run.proposedSlot)).toMatchObject({ region: 'planned', offset: '+10:30' });
  });

  it('never suggests, nor moves a run to, a time another run of the same window takes', async () => {
    clock.set('2026-10-01T00:00:00Z');
    // Daily at 03:00 Vienna (01:00 UTC), the quietest local hour without a baseline; free to move for a week.
    const window = await plan({
      footprint: { global: false, regions: ['AT'] },
      plannedZone: 'Europe/Vienna',
      startsAt: '2026-10-02T01:00:00Z',
      endsAt: '2026-10-02T02:00:00Z',
      recurrence: 'FREQ=DAILY',
      flexibility: { earliestStartAt: '2026-10-01T00:00:00Z', deadlineAt: '2026-10-08T00:00:00Z', autoMove: true },
    });
    const runs = async () => (await api('GET', `/v1/windows/${window}/occurrences`)).body.items as { number: number; startsAt: string; endsAt: string; status: string }[];
    const hold = await declare({ regions: ['AT'], from: '2026-10-01T12:00:00Z', until: '2026-10-02T12:00:00Z' });
    const others = (await runs()).filter((run) => run.number !== 1);
    const { occurrence, slots } = await suggestions(window);
    expect(occurrence).toBe(1);
    // Equally quiet hours go earliest first: 03:00 and 04:00 Vienna before the hold, then 04:00 on the 3rd, as 03:00 is run 2's.
    expect(slots.map((slot: { startsAt: string }) => slot.startsAt)).toEqual(['2026-10-01T01:00:00.000Z', '2026-10-01T02:00:00.000Z', '2026-10-03T02:00:00.000Z']);
    for (const slot of slots) for (const run of others) expect(slot.startsAt < run.endsAt && run.startsAt < slot.endsAt, `${slot.startsAt} overlaps run ${run.number}`).toBe(false);

    // Run 1's time passes under the hold: released, it moves on its owner's standing permission, not onto run 2.
    clock.set('2026-10-02T06:00:00Z');
    await release(hold.id);
    const [first, second] = await runs();
    expect(first).toMatchObject({ number: 1, status: 'scheduled', startsAt: '2026-10-03T02:00:00.000Z', endsAt: '2026-10-03T03:00:00.000Z' });
    expect(second).toMatchObject({ number: 2, startsAt: '2026-10-03T01:00:00.000Z', endsAt: '2026-10-03T02:00:00.000Z' });
  });

  it('suggests a start within the next 7 days for a window with no flexibility that lasts longer than that', async () => {
    clock.set('2026-11-01T00:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['AT'] }, startsAt: '2026-11-02T00:00:00Z', endsAt: '2026-11-10T00:00:00Z' });
    const { slots } = await suggestions(window);
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) {
      expect(Date.parse(slot.endsAt) - Date.parse(slot.startsAt)).toBe(8 * 86_400_000);
      expect(slot.startsAt <= '2026-11-08T00:00:00.000Z', slot.startsAt).toBe(true);
    }
  });

  it('suggests slots as long as the run, to the second', async () => {
    clock.set('2026-11-15T00:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['AT'] }, startsAt: '2026-11-16T00:00:00Z', endsAt: '2026-11-16T00:59:30Z' });
    const { slots } = await suggestions(window);
    expect(slots.length).toBeGreaterThan(0);
    for (const slot of slots) expect(Date.parse(slot.endsAt) - Date.parse(slot.startsAt), slot.startsAt).toBe(3_570_000);
  });

  it('says to move the flexibility deadline when it has passed or leaves no room from now', async () => {
    clock.set('2026-12-01T00:00:00Z');
    const window = await plan({
      footprint: { global: false, regions: ['AT'] },
      startsAt: '2026-12-02T00:00:00Z',
      endsAt: '2026-12-02T01:00:00Z',
      flexibility: { earliestStartAt: '2026-12-01T00:00:00Z', deadlineAt: '2026-12-03T00:00:00Z' },
    });
    for (const now of ['2026-12-04T00:00:00Z', '2026-12-02T23:30:00Z']) {
      clock.set(now);
      const answer = await api('GET', `/v1/windows/${window}/suggestions`);
      expect(answer.status).toBe(422);
      expect(answer.body).toMatchObject({ code: 'invalid-slot-search' });
      expect(answer.body.detail).toBe(
        `Window ${window} must end by its flexibility deadline 2026-12-03T00:00:00.000Z, which leaves no room for its 60-minute run from ${new Date(now).toISOString()} (now, or its earliest start if later): ` +
          `move flexibility.deadlineAt later with PATCH /v1/windows/${window}, or remove the flexibility to search the next 7 days.`,
      );
    }
  });

  it('proposes no slot for a flexibility stored reaching further ahead than PLAN_MAX_AHEAD_DAYS, naming it, and the release records the run with none', async () => {
    clock.set('2026-11-01T00:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['BE'] }, startsAt: '2026-11-02T00:00:00Z', endsAt: '2026-11-02T01:00:00Z' });
    // As stored before planning bounded it: 2062 typed for 2026, with automatic moves allowed.
    await service.app
      .get(DataSource)
      .query(`UPDATE maintenance_window SET flexibility = $2 WHERE id = $1`, [window, { earliestStartAt: '2062-11-01T00:00:00Z', deadlineAt: '2062-11-08T00:00:00Z', autoMove: true }]);
    const answer = await api('GET', `/v1/windows/${window}/suggestions`);
    expect(answer).toMatchObject({ status: 422, body: { code: 'invalid-slot-search' } });
    expect(answer.body.detail).toBe(
      `Window ${window}'s flexibility.earliestStartAt 2062-11-01T00:00:00Z is 13,149 days from now, flexibility.deadlineAt 2062-11-08T00:00:00Z is 13,156 days from now (2026-11-01T00:00:00.000Z), further ahead than the 730 days a window may be planned (PLAN_MAX_AHEAD_DAYS): ` +
        `no slot is searched that far ahead. Check the year and PATCH /v1/windows/${window} with the flexibility meant, or remove the flexibility to search the next 7 days.`,
    );

    // Held from before its start, released after it: the run needs a new slot, and is not moved to 2062.
    const hold = await declare({ regions: ['BE'], from: '2026-11-01T12:00:00Z', until: '2026-11-03T00:00:00Z' });
    clock.set('2026-11-02T00:30:00Z');
    await release(hold.id);
    const runs = (await api('GET', `/v1/windows/${window}/occurrences`)).body.items as { startsAt: string; status: string; proposedSlot: unknown }[];
    expect(runs).toMatchObject([{ startsAt: '2026-11-02T00:00:00.000Z', status: 'needs-reschedule' }]);
    expect(runs[0].proposedSlot ?? null).toBeNull();
  });

  it('compares against the run that needs the slot: a held or needs-reschedule one, else the next scheduled, never a missed one', async () => {
    clock.set('2026-09-01T00:00:00Z');
    const window = await plan({ footprint: { global: false, regions: ['DE'] }, startsAt: '2026-09-01T10:00:00Z', endsAt: '2026-09-01T11:00:00Z', recurrence: 'FREQ=DAILY' });
    // Runs 1-3 (1-3 September) pass unstarted and are missed.
    clock.set('2026-09-03T12:00:00Z');
    await sweep.sweep();
    const statuses = async () => ((await api('GET', `/v1/windows/${window}/occurrences`)).body.items as { number: number; status: string }[]).slice(0, 5).map((run) => run.status);
    expect(await statuses()).toEqual(['missed', 'missed', 'missed', 'scheduled', 'scheduled']);
    const compared = async () => {
      const answer = await suggestions(window);
      return { occurrence: answer.occurrence, startsAt: answer.current.startsAt };
    };

    const fifth = await declare({ regions: ['DE'], from: '2026-09-05T00:00:00Z', until: '2026-09-06T00:00:00Z' });
    expect(await statuses()).toEqual(['missed', 'missed', 'missed', 'scheduled', 'held']);
    expect(await compared()).toEqual({ occurrence: 5, startsAt: '2026-09-05T10:00:00.000Z' });

    await release(fifth.id);
    expect(await compared()).toEqual({ occurrence: 4, startsAt: '2026-09-04T10:00:00.000Z' });

    // Run 4 held past its start, then let go: it needs a new slot although its time has passed.
    await declare({ regions: ['DE'], from: '2026-09-04T00:00:00Z', until: '2026-09-04T20:00:00Z' });
    clock.set('2026-09-04T12:00:00Z');
    await release(placed[placed.length - 1]);
    expect(await statuses()).toEqual(['missed', 'missed', 'missed', 'needs-reschedule', 'scheduled']);
    expect(await compared()).toEqual({ occurrence: 4, startsAt: '2026-09-04T10:00:00.000Z' });
  });
});
