import { Topics } from '@holdfast/contracts';
import { expectEventually, ManualClock, startServiceUnderTest, type ServiceUnderTest } from '@holdfast/testing';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzerService } from '../src/app.module';
import { AnalyzerJobsService } from '../src/jobs/analyzer-jobs.service';
import { postAll, recordEvents } from './support/analyzer-harness';

/**
 * An analyzer on `clock` whose jobs run only when a spec runs them, a signal lost after 10 minutes
 * silent (other defaults as given), the regions configured as given, and readers of its surges and signals.
 */
async function watchedAnalyzer(clock: ManualClock, regions: Record<string, { onSignalLoss: 'hold' | 'ignore' | 'notify' }>, defaults: { warmupSamples?: number } = {}) {
  const service = await startServiceUnderTest(analyzerService, {
    clock,
    environment: { ANALYZER_JOB_INTERVAL_MS: '600000', ANALYZER_DETECTION: JSON.stringify({ defaults: { signalLossAfterSeconds: 600, ...defaults }, regions }) },
  });
  return { service, surges: await recordEvents(service), signals: await recordEvents(service, Topics.regionSignals, 'signal-reader') };
}

describe('impact-analyzer: signal loss in each mode, on the injected clock, against the real broker and PostgreSQL', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let signals: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  const runJobs = () => service.app.get(AnalyzerJobsService).runOnce();
  const baseline = async (region: string) => (await (await service.fetch(`/v1/regions/${region}/baseline`)).json()) as { metrics: { sampleCount: number; signalLostAt: string | null }[] };
  const metrics = async () => (await service.fetch(`/metrics`)).text();
  const lostGauge = (text: string, region: string) => text.match(new RegExp(`holdfast_analyzer_signal_lost\\{[^}]*region="${region}"[^}]*\\} (\\d+)`))?.[1];

  beforeAll(async () => {
    ({ service, surges, signals } = await watchedAnalyzer(clock, { IR: { onSignalLoss: 'hold' }, JP: { onSignalLoss: 'ignore' } }));
  });

  afterAll(async () => {
    await surges?.stop();
    await signals?.stop();
    await service?.close();
  });

  it('holds a region set to hold, reports one set to notify (the default) on region.signals.v1, ignores one set to ignore, and ends each loss when samples return', async () => {
    const samples = ['IR', 'NP', 'JP'].flatMap((region) => [0, 5].map((minutes) => ({ region, at: new Date(Date.parse('2026-06-14T20:50:00Z') + minutes * 60_000).toISOString(), value: 100 })));
    await postAll(service, samples);
    await expectEventually(async () => {
      for (const region of ['IR', 'NP', 'JP']) expect((await baseline(region)).metrics[0]?.sampleCount).toBe(2);
    });

    clock.set('2026-06-14T21:04:00Z');
    await runJobs();
    expect(lostGauge(await metrics(), 'IR')).toBe('0');

    // Sixteen minutes with nothing arriving (the last sample, stamped 20:55, arrived at 21:00), past the ten allowed.
    clock.set('2026-06-14T21:16:00Z');
    await runJobs();
    await expectEventually(() => expect(surges.events().map((event) => `${event.type} ${event.data.region}`)).toEqual(['surge.started IR']));
    expect(surges.events()[0].data).toMatchObject({
      source: 'detector',
      metric: 'requests',
      startedAt: '2026-06-14T21:16:00.000Z',
      signalLoss: { lastSampleAt: '2026-06-14T20:55:00.000Z', silentSeconds: 960 },
      reason: expect.stringContaining('onSignalLoss: hold'),
    });
    const text = await metrics();
    expect([lostGauge(text, 'IR'), lostGauge(text, 'NP'), lostGauge(text, 'JP')]).toEqual(['1', '1', '0']);
    expect((await baseline('NP')).metrics[0].signalLostAt).toBe('2026-06-14T21:16:00.000Z');
    expect((await baseline('JP')).metrics[0].signalLostAt).toBeNull();
    expect(text).toMatch(/holdfast_analyzer_signal_age_seconds\{[^}]*region="JP"[^}]*\} 1260/);
    expect(text).toMatch(/holdfast_analyzer_active_surges\{[^}]*region="IR"[^}]*source="detector"[^}]*\} 1/);
    // Both lost signals are news, keyed by region; the one held says a surge follows. Nothing for the ignored region.
    await expectEventually(() => expect(signals.events().map((event) => `${event.type} ${event.key}`).sort()).toEqual(['signal.lost IR', 'signal.lost NP']));
    const lostNp = signals.events().find((event) => event.data.region === 'NP')!;
    expect(lostNp.data).toEqual({
      region: 'NP',
      metric: 'requests',
      lastSampleAt: '2026-06-14T20:55:00.000Z',
      lostAt: '2026-06-14T21:16:00.000Z',
      silentSeconds: 960,
      onSignalLoss: 'notify',
      reason: 'No requests sample from NP for 16 minutes (allowed: 10 minutes)',
    });
    expect(lostNp.headers.ce_correlationid).toBe('signal-loss:NP/requests');
    expect(signals.events().find((event) => event.data.region === 'IR')!.data).toMatchObject({ onSignalLoss: 'hold' });

    // A second pass does not raise it again, nor writes to the rows of series it has nothing more to do
    // for: a row lock is a write, and 10,000 such series cost ~0.8 MB of WAL at every run (README).
    const rowVersions = () => service.app.get(DataSource).query(`SELECT region, xmin::text, xmax::text FROM series_state ORDER BY region, metric`);
    const handled = await rowVersions();
    await runJobs();
    expect(await rowVersions()).toEqual(handled);
    // IR's sample stamped 21:17 reaches the analyzer at 21:25 (its pipeline catching up): the hold lasted until 21:25,
    // when the analyzer saw the signal back, and the planner's cool-down counts from then, not from eight minutes before.
    clock.set('2026-06-14T21:25:00Z');
    await postAll(service, [{ region: 'IR', at: '2026-06-14T21:17:00Z', value: 100 }]);
    await expectEventually(() => expect(surges.events().map((event) => `${event.type} ${event.data.region}`)).toEqual(['surge.started IR', 'surge.cleared IR']));
    expect(surges.events()[1].data).toMatchObject({ surgeId: surges.events()[0].data.surgeId, clearedAt: '2026-06-14T21:25:00.000Z' });
    expect((await baseline('IR')).metrics[0].signalLostAt).toBeNull();
    await postAll(service, [{ region: 'NP', at: '2026-06-14T21:18:00Z', value: 100 }]);
    await expectEventually(() => expect(signals.events().map((event) => `${event.type} ${event.key}`)).toHaveLength(4));
    const restored = signals.events().filter((event) => event.type === 'signal.restored');
    expect(restored.map((event) => event.data).sort((a, b) => String(a.region).localeCompare(String(b.region)))).toEqual([
      { region: 'IR', metric: 'requests', lostAt: '2026-06-14T21:16:00.000Z', restoredAt: '2026-06-14T21:17:00.000Z', reason: 'Samples of requests from IR are arriving again' },
      { region: 'NP', metric: 'requests', lostAt: '2026-06-14T21:16:00.000Z', restoredAt: '2026-06-14T21:18:00.000Z', reason: 'Samples of requests from NP are arriving again' },
    ]);
    expect(restored.every((event) => event.headers.ce_correlationid === `signal-loss:${event.data.region}/requests`)).toBe(true);
    expect((await baseline('NP')).metrics[0].signalLostAt).toBeNull();

    // A pipeline that delivers every sample 20 minutes late, but steadily, has not lost its signal.
    for (const minute of [20, 25, 30, 35]) {
      clock.set(`2026-06-14T21:${minute + 20}:00Z`);
      await postAll(service, [{ region: 'NP', at: `2026-06-14T21:${minute}:00Z`, value: 100 }]);
      await expectEventually(async () => expect((await baseline('NP')).metrics[0].sampleCount).toBe(3 + (minute - 15) / 5));
      await runJobs();
    }
    expect(signals.events().filter((event) => event.data.region === 'NP').map((event) => event.type)).toEqual(['signal.lost', 'signal.restored']);
    expect(lostGauge(await metrics(), 'NP')).toBe('0');

    // Everything consumed and committed: the lag gauge reads zero on every partition.
    await expectEventually(async () => {
      await runJobs();
      const lags = [...(await metrics()).matchAll(/holdfast_analyzer_sample_lag_messages\{[^}]*\} (\d+)/g)].map((match) => Number(match[1]));
      expect(lags).toHaveLength(6);
      expect(lags.every((lag) => lag === 0)).toBe(true);
    });
  });
});

describe('impact-analyzer: signal loss after the analyzer itself was down', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let signals: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  const runJobs = () => service.app.get(AnalyzerJobsService).runOnce();

  beforeAll(async () => {
    ({ service, surges, signals } = await watchedAnalyzer(clock, { IR: { onSignalLoss: 'hold' } }));
  });

  afterAll(async () => {
    await surges?.stop();
    await signals?.stop();
    await service?.close();
  });

  it('counts silence from when this process began watching, not from what the process before it last heard', async () => {
    await postAll(service, [
      { region: 'IR', at: '2026-06-14T20:39:00Z', value: 100 },
      { region: 'NP', at: '2026-06-14T20:39:00Z', value: 100 },
    ]);
    const rows = async () => (await service.app.get(DataSource).query(`SELECT region FROM series_state WHERE last_sample_at IS NOT NULL`)) as unknown[];
    await expectEventually(async () => expect(await rows()).toHaveLength(2));
    // As a process that stopped at 20:40 left them: the samples sent since wait in Kafka, not read yet.
    await service.app.get(DataSource).query(`UPDATE series_state SET updated_at = '2026-06-14T20:40:00Z'`);

    clock.set('2026-06-14T21:01:00Z');
    await runJobs();
    clock.set('2026-06-14T21:10:00Z');
    await runJobs();
    expect(await (await service.fetch('/v1/surges?region=IR')).json()).toMatchObject({ items: [] });

    // Ten minutes watched and still nothing: lost, and said to be silent since it was last heard of.
    clock.set('2026-06-14T21:10:01Z');
    await runJobs();
    await expectEventually(() => expect(signals.events().map((event) => `${event.type} ${event.key}`).sort()).toEqual(['signal.lost IR', 'signal.lost NP']));
    expect(signals.events().find((event) => event.data.region === 'NP')!.data).toMatchObject({ lostAt: '2026-06-14T21:10:01.000Z', silentSeconds: 1801 });
    await expectEventually(() => expect(surges.events().map((event) => `${event.type} ${event.data.region}`)).toEqual(['surge.started IR']));
  });
});

describe('impact-analyzer: a surge of the seasonal detector whose series goes silent', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let signals: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  const runJobs = () => service.app.get(AnalyzerJobsService).runOnce();
  const eventsOf = (region: string) => surges.events().filter((event) => event.data.region === region);
  const sampleCount = async (region: string) => ((await (await service.fetch(`/v1/regions/${region}/baseline`)).json()) as { metrics: { sampleCount: number }[] }).metrics[0]?.sampleCount;

  beforeAll(async () => {
    ({ service, surges, signals } = await watchedAnalyzer(clock, { IR: { onSignalLoss: 'hold' }, JP: { onSignalLoss: 'ignore' } }, { warmupSamples: 40 }));
  });

  afterAll(async () => {
    await surges?.stop();
    await signals?.stop();
    await service?.close();
  });

  it('is cleared when its signal is lost (in a region set to hold, the lost signal’s own surge taking over), and a surge still under way when samples return starts afresh', async () => {
    const regions = ['IR', 'NP', 'JP'];
    // 45 flat samples from 17:00 to 20:40, then a spike at 20:45.
    const flat = (region: string) => Array.from({ length: 45 }, (_, i) => ({ region, at: new Date(Date.parse('2026-06-14T17:00:00Z') + i * 300_000).toISOString(), value: 100 + ((i * 7) % 11) }));
    await postAll(service, regions.flatMap((region) => [...flat(region), { region, at: '2026-06-14T20:45:00Z', value: 2_000 }]));
    await expectEventually(async () => {
      for (const region of regions) expect(await sampleCount(region)).toBe(46);
    });
    await expectEventually(() => expect(regions.map((region) => eventsOf(region).map((event) => event.type))).toEqual(regions.map(() => ['surge.started'])));
    const episode = (region: string) => eventsOf(region)[0].data.surgeId;

    // Sixteen minutes with nothing arriving, past the ten allowed.
    clock.set('2026-06-14T21:16:00Z');
    await runJobs();
    await expectEventually(() => expect(regions.map((region) => eventsOf(region).map((event) => event.type))).toEqual([['surge.started', 'surge.started', 'surge.cleared'], ['surge.started', 'surge.cleared'], ['surge.started', 'surge.cleared']]));
    // In a region set to hold, the lost signal's surge starts before the episode clears, so the region is never without one.
    const [, held, irCleared] = eventsOf('IR');
    expect(held.data).toMatchObject({ signalLoss: { lastSampleAt: '2026-06-14T20:45:00.000Z' } });
    expect(irCleared.data).toMatchObject({
      surgeId: episode('IR'),
      clearedAt: '2026-06-14T21:16:00.000Z',
      reason: 'No requests sample from IR for 16 minutes: the signal is lost, and the surge held for it takes over from this one (onSignalLoss: hold)',
    });
    expect(eventsOf('NP')[1].data).toMatchObject({
      surgeId: episode('NP'),
      clearedAt: '2026-06-14T21:16:00.000Z',
      reason: 'No requests sample from NP for 16 minutes: the signal is lost, so the detector can no longer follow this surge (onSignalLoss: notify)',
    });
    expect(eventsOf('JP')[1].data).toMatchObject({
      surgeId: episode('JP'),
      clearedAt: '2026-06-14T21:16:00.000Z',
      reason: 'No requests sample from JP for 16 minutes, so the detector can no longer follow this surge (onSignalLoss: ignore)',
    });
    expect(eventsOf('IR')[2].headers.ce_correlationid).toBe('signal-loss:IR/requests');
    const active = (await (await service.fetch('/v1/surges?status=active')).json()) as { items: { id: string }[] };
    expect(active.items.map((surge) => surge.id)).toEqual([held.data.surgeId]);
    await expectEventually(() => expect(signals.events().map((event) => `${event.type} ${event.key}`).sort()).toEqual(['signal.lost IR', 'signal.lost NP']));

    // A second pass changes nothing.
    await runJobs();

    // Samples return: IR still surging starts a new episode (before the lost signal's surge clears), NP calm starts none.
    clock.set('2026-06-14T21:18:00Z');
    await postAll(service, [
      { region: 'IR', at: '2026-06-14T21:17:00Z', value: 2_000 },
      { region: 'NP', at: '2026-06-14T21:17:00Z', value: 100 },
    ]);
    await expectEventually(async () => {
      for (const region of ['IR', 'NP']) expect(await sampleCount(region)).toBe(47);
    });
    await expectEventually(() => expect(eventsOf('IR').map((event) => event.type)).toEqual(['surge.started', 'surge.started', 'surge.cleared', 'surge.started', 'surge.cleared']));
    const [, , , renewed, heldCleared] = eventsOf('IR');
    // Cleared when the analyzer saw the signal back (its clock at 21:18), the returning sample being stamped 21:17.
    expect(heldCleared.data).toMatchObject({ surgeId: held.data.surgeId, clearedAt: '2026-06-14T21:18:00.000Z' });
    expect(renewed.data).toMatchObject({ source: 'detector', startedAt: '2026-06-14T21:17:00.000Z' });
    expect(renewed.data).toHaveProperty('evidence');
    expect(renewed.data.surgeId).not.toBe(episode('IR'));
    expect(eventsOf('NP').map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']);
    expect(eventsOf('JP').map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']);
  });
});

describe('impact-analyzer: a returning sample that also starts a surge', () => {
  let service: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let signals: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  const eventsOf = (region: string) => surges.events().filter((event) => event.data.region === region);
  const sampleCount = async (region: string) => ((await (await service.fetch(`/v1/regions/${region}/baseline`)).json()) as { metrics: { sampleCount: number }[] }).metrics[0]?.sampleCount;
  /** A region's surge and signal events as written to the outbox, in the order the relay sends them. */
  const outbox = async (region: string) =>
    (await service.app.get(DataSource).query(`SELECT event_type AS type, headers->>'ce_time' AS time, payload AS data FROM outbox_message WHERE message_key = $1 ORDER BY id`, [region])) as {
      type: string;
      time: string;
      data: Record<string, string>;
    }[];

  beforeAll(async () => {
    ({ service, surges, signals } = await watchedAnalyzer(clock, { IR: { onSignalLoss: 'hold' } }, { warmupSamples: 40 }));
  });

  afterAll(async () => {
    await surges?.stop();
    await signals?.stop();
    await service?.close();
  });

  it('says the signal is back before the surge starts, and the signal lost before the surge it ends clears, in event time and outbox order', async () => {
    const regions = ['IR', 'NP'];
    const flat = (region: string) => Array.from({ length: 45 }, (_, i) => ({ region, at: new Date(Date.parse('2026-06-14T17:00:00Z') + i * 300_000).toISOString(), value: 100 + ((i * 7) % 11) }));
    await postAll(service, regions.flatMap((region) => [...flat(region), { region, at: '2026-06-14T20:45:00Z', value: 2_000 }]));
    await expectEventually(() => expect(regions.map((region) => eventsOf(region).map((event) => event.type))).toEqual([['surge.started'], ['surge.started']]));
    clock.set('2026-06-14T21:16:00Z');
    await service.app.get(AnalyzerJobsService).runOnce();
    await expectEventually(() => expect(signals.events()).toHaveLength(2));

    // Both return still surging, in one batch, its events stamped on the analyzer's clock, which stands still (as a fast
    // batch stamps within one millisecond): the order must not rest on the clock having moved.
    clock.set('2026-06-14T21:18:00Z');
    await postAll(service, [
      { region: 'IR', at: '2026-06-14T21:17:00Z', value: 2_000 },
      { region: 'NP', at: '2026-06-14T21:17:00Z', value: 2_000 },
    ]);
    await expectEventually(async () => {
      for (const region of regions) expect(await sampleCount(region)).toBe(47);
    });
    // The lost signal's own surge (IR) clears after the new one starts, so the region is never without one.
    expect((await outbox('IR')).map((event) => event.type)).toEqual(['surge.started', 'signal.lost', 'surge.started', 'surge.cleared', 'signal.restored', 'surge.started', 'surge.cleared']);
    expect((await outbox('NP')).map((event) => event.type)).toEqual(['surge.started', 'signal.lost', 'surge.cleared', 'signal.restored', 'surge.started']);
    for (const region of regions) {
      const written = await outbox(region);
      const times = written.map((event) => Date.parse(event.time));
      expect(times).toEqual([...times].sort((a, b) => a - b));
      const lost = written.find((event) => event.type === 'signal.lost')!;
      const ended = written.find((event) => event.type === 'surge.cleared')!;
      expect(ended.data.clearedAt).toBe(lost.data.lostAt);
      const restored = written.find((event) => event.type === 'signal.restored')!;
      // Stamped on the clock its payload was read from (frozen at 21:16 for the run; NP, locked after IR, no earlier than
      // IR's held surge), and ahead of what the run wrote after it: the held surge (IR) and the episode it ends, on the other topic.
      expect(Date.parse(lost.time) - Date.parse(lost.data.lostAt)).toBe(region === 'IR' ? 0 : 1);
      const causedByLoss = written.slice(written.indexOf(lost) + 1, written.indexOf(restored));
      expect(causedByLoss.map((event) => event.type)).toEqual(region === 'IR' ? ['surge.started', 'surge.cleared'] : ['surge.cleared']);
      for (const event of causedByLoss) expect(Date.parse(event.time)).toBeGreaterThan(Date.parse(lost.time));
      const renewed = written[written.indexOf(restored) + 1];
      expect(renewed).toMatchObject({ type: 'surge.started', data: { evidence: expect.any(Object) } });
      expect(Date.parse(renewed.data.startedAt)).toBeGreaterThanOrEqual(Date.parse(restored.data.restoredAt));
      // On two topics, `time` is all a reader of both has to order them by: a tie would not say which came first.
      expect(Date.parse(renewed.time)).toBeGreaterThan(Date.parse(restored.time));
    }
  });
});

describe('impact-analyzer: a series already lost when its region’s onSignalLoss changes (configuration and restart)', () => {
  let service: ServiceUnderTest;
  /** The process running now: each restart closes the one before. */
  let running: ServiceUnderTest;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  let signals: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  /** The analyzer started again on the same database and topics, IR now set to `mode`. */
  const restartWith = async (mode: 'hold' | 'notify' | 'ignore') => {
    await running.app.close();
    running = await startServiceUnderTest(analyzerService, {
      clock,
      topicPrefix: service.config.kafka.topicPrefix,
      environment: {
        DATABASE_URL: service.database.url,
        ANALYZER_JOB_INTERVAL_MS: '600000',
        ANALYZER_DETECTION: JSON.stringify({ defaults: { signalLossAfterSeconds: 600 }, regions: { IR: { onSignalLoss: mode } } }),
      },
    });
    return running;
  };
  const runJobs = (on: ServiceUnderTest) => on.app.get(AnalyzerJobsService).runOnce();

  beforeAll(async () => {
    ({ service, surges, signals } = await watchedAnalyzer(clock, { IR: { onSignalLoss: 'notify' } }));
    running = service;
  });

  afterAll(async () => {
    await surges?.stop();
    await signals?.stop();
    await running?.app.close();
    await service?.database.drop();
  });

  it('holds it once the region is set to hold, and clears that hold once it is set to notify or ignore, the reason saying the configuration changed', async () => {
    await postAll(service, [{ region: 'IR', at: '2026-06-14T20:55:00Z', value: 100 }]);
    await expectEventually(async () => expect(await service.app.get(DataSource).query(`SELECT 1 FROM series_state WHERE last_sample_at IS NOT NULL`)).toHaveLength(1));
    clock.set('2026-06-14T21:16:00Z');
    await runJobs(service);
    await expectEventually(() => expect(signals.events().map((event) => `${event.type} ${event.data.onSignalLoss}`)).toEqual(['signal.lost notify']));
    expect(surges.events()).toEqual([]);

    // Set to hold and restarted while the signal is still lost: the region is held at the first run.
    clock.set('2026-06-14T21:30:00Z');
    const holding = await restartWith('hold');
    await runJobs(holding);
    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started']));
    expect(surges.events()[0].data).toMatchObject({
      region: 'IR',
      metric: 'requests',
      source: 'detector',
      startedAt: '2026-06-14T21:30:00.000Z',
      signalLoss: { lastSampleAt: '2026-06-14T20:55:00.000Z', silentSeconds: 1800 },
      reason: 'No requests sample from IR since the signal was lost at 2026-06-14T21:16:00.000Z: held until the signal is back, as onSignalLoss is now hold (the configuration changed)',
    });
    expect(surges.events()[0].headers.ce_correlationid).toBe('signal-loss:IR/requests');
    await runJobs(holding);

    // Back to notify: the hold ends, the signal stays lost (no second signal.lost, no signal.restored).
    clock.set('2026-06-14T21:40:00Z');
    const notifying = await restartWith('notify');
    await runJobs(notifying);
    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started', 'surge.cleared']));
    expect(await notifying.fetch('/metrics').then((response) => response.text())).toMatch(/holdfast_analyzer_signal_lost\{[^}]*region="IR"[^}]*\} 1/);
    expect(surges.events()[1].data).toMatchObject({
      surgeId: surges.events()[0].data.surgeId,
      clearedAt: '2026-06-14T21:40:00.000Z',
      reason: 'The requests signal from IR, lost since 2026-06-14T21:16:00.000Z, no longer holds the region: onSignalLoss is now notify (the configuration changed)',
    });
    await runJobs(notifying);
    expect(await (await notifying.fetch('/v1/surges?status=active')).json()).toMatchObject({ items: [] });

    // Held again, then set to ignore: cleared the same way.
    await runJobs(await restartWith('hold'));
    const ignoring = await restartWith('ignore');
    await runJobs(ignoring);
    await expectEventually(() => expect(surges.events().map((event) => event.type)).toEqual(['surge.started', 'surge.cleared', 'surge.started', 'surge.cleared']));
    expect(surges.events()[3].data.reason).toContain('onSignalLoss is now ignore (the configuration changed)');
    expect(signals.events().map((event) => event.type)).toEqual(['signal.lost']);
    // Still lost (its samples would publish signal.restored), but under ignore the gauge alerts read stays 0, as for a series silenced under ignore.
    expect((await ignoring.fetch('/v1/regions/IR/baseline').then((response) => response.json())) as unknown).toMatchObject({ metrics: [{ signalLostAt: '2026-06-14T21:16:00.000Z' }] });
    expect(await ignoring.fetch('/metrics').then((response) => response.text())).toMatch(/holdfast_analyzer_signal_lost\{[^}]*region="IR"[^}]*\} 0/);
  });
});

describe('impact-analyzer: a series whose stored times are ahead of the clock', () => {
  let service: ServiceUnderTest;
  let signals: Awaited<ReturnType<typeof recordEvents>>;
  let surges: Awaited<ReturnType<typeof recordEvents>>;
  const clock = new ManualClock('2026-06-14T21:00:00Z');

  beforeAll(async () => {
    ({ service, surges, signals } = await watchedAnalyzer(clock, {}));
  });

  afterAll(async () => {
    await surges?.stop();
    await signals?.stop();
    await service?.close();
  });

  it('is lost once nothing arrived for longer than allowed, its silence not counted from a time still to come', async () => {
    await postAll(service, [
      { region: 'IR', at: '2026-06-14T20:55:00Z', value: 100 },
      { region: 'NP', at: '2026-06-14T20:55:00Z', value: 100 },
    ]);
    const dataSource = service.app.get(DataSource);
    await expectEventually(async () => expect(await dataSource.query(`SELECT 1 FROM series_state WHERE last_sample_at IS NOT NULL`)).toHaveLength(2));
    // IR's last sample stored as a year ahead (before SAMPLE_MAX_AHEAD_SECONDS existed); NP's row written by a replica whose clock ran an hour ahead.
    await dataSource.query(`UPDATE series_state SET last_sample_at = '2027-06-14T20:55:00Z' WHERE region = 'IR'`);
    await dataSource.query(`UPDATE series_state SET updated_at = '2026-06-14T22:00:00Z' WHERE region = 'NP'`);

    clock.set('2026-06-14T21:05:00Z');
    await service.app.get(AnalyzerJobsService).runOnce();
    clock.set('2026-06-14T21:16:00Z');
    await service.app.get(AnalyzerJobsService).runOnce();
    await expectEventually(() => expect(signals.events().map((event) => `${event.type} ${event.key}`).sort()).toEqual(['signal.lost IR', 'signal.lost NP']));
    const lost = Object.fromEntries(signals.events().map((event) => [event.key, event.data]));
    // IR heard of when its sample arrived (21:00), said as its last sample's time (an event lost before it was sampled is no event);
    // NP at its sample's time, its arrival being stamped by a clock ahead.
    expect(lost.IR).toMatchObject({ lastSampleAt: '2026-06-14T21:00:00.000Z', lostAt: '2026-06-14T21:16:00.000Z', silentSeconds: 960 });
    expect(lost.NP).toMatchObject({ lastSampleAt: '2026-06-14T20:55:00.000Z', lostAt: '2026-06-14T21:16:00.000Z', silentSeconds: 1260 });
  });

  it('says a signal restored by a sample stamped ahead of the clock (within SAMPLE_MAX_AHEAD_SECONDS) restored when the analyzer sees it, not in the future', async () => {
    // NP, lost above at 21:16; its next sample, from a sender whose clock runs four minutes fast, arrives at 21:20.
    clock.set('2026-06-14T21:20:00Z');
    await postAll(service, [{ region: 'NP', at: '2026-06-14T21:24:00Z', value: 100 }]);
    await expectEventually(() => expect(signals.events().filter((event) => event.type === 'signal.restored')).toHaveLength(1));
    const [restored] = signals.events().filter((event) => event.type === 'signal.restored');
    expect(restored.data).toEqual({ region: 'NP', metric: 'requests', lostAt: '2026-06-14T21:16:00.000Z', restoredAt: '2026-06-14T21:20:00.000Z', reason: 'Samples of requests from NP are arriving again' });
  });
});
