import { createServiceDataSource, migrateFromCommandLine, runMigrations } from '@holdfast/database';
import { createTestDatabase, type TestDatabase } from '@holdfast/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { notifierService } from '../src/app.module';

describe('notifier: going back to 2026-12-05 with one command', () => {
  let database: TestDatabase;
  const options = () => notifierService.database(notifierService.configFromEnvironment({ ...process.env, DATABASE_URL: database.url }));

  beforeAll(async () => {
    database = await createTestDatabase('notifier-going-back');
    const current = await createServiceDataSource(options()).initialize();
    await runMigrations(current, { info: () => undefined });
    await current.destroy();
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await database?.drop();
  });

  it('reverts every migration after the one --to names, each named with the one then last, and leaves that one applied', async () => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((text) => ((out += String(text)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as typeof process.exit);
    await migrateFromCommandLine(createServiceDataSource(options()), ['revert', '--to', 'SubscriptionVersion1768100000000']);
    vi.restoreAllMocks();
    expect(exit).not.toHaveBeenCalled();
    const lines = out.trim().split('\n');
    expect(lines[0]).toBe('[migrate] schema notifier: reverted RememberPlacementsPostedWithoutDelivery1769200300000; the last applied is now RememberHoldsInForce1769100100000');
    expect(lines).toContain('[migrate] schema notifier: reverted RememberHoldsInForce1769100100000; the last applied is now RememberReplicaRuns1769000100000');
    expect(lines).toContain('[migrate] schema notifier: reverted RememberReplicaRuns1769000100000; the last applied is now RememberDeliveryClaims1768900200000');
    expect(lines).toContain('[migrate] schema notifier: reverted RememberDeliveryClaims1768900200000; the last applied is now KeepOutboxTombstones1768900000000');
    expect(lines).toContain('[migrate] schema notifier: reverted WindowIdFiltersLowerCase1768800100000; the last applied is now HoldReleaseWindows1768800000000');
    expect(lines[lines.length - 1]).toBe('[migrate] schema notifier: reverted SubscriptionTurnedOffAt1768400000000; the last applied is now SubscriptionVersion1768100000000');
    const check = await createServiceDataSource(options()).initialize();
    try {
      expect(await check.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'notifier' AND table_name = 'subscription' AND column_name = 'version'`)).toEqual([{ column_name: 'version' }]);
    } finally {
      await check.destroy();
    }
  });
});
