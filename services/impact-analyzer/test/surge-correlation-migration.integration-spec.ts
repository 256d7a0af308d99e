import type { TestDatabase } from '@holdfast/testing';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SurgeCorrelation1769200100000 } from '../src/database/migrations/1769200100000-surge-correlation';
import { migratedThrough } from './support/migration-bed';

const ids = {
  detectorInOutbox: '01900000-0000-7000-8000-000000000001',
  detectorPruned: '01900000-0000-7000-8000-000000000002',
  detectorPrunedCleared: '01900000-0000-7000-8000-000000000003',
  alert: '01900000-0000-7000-8000-000000000004',
  alertInOutbox: '01900000-0000-7000-8000-000000000005',
  declaration: '01900000-0000-7000-8000-000000000006',
  lostSignal: '01900000-0000-7000-8000-000000000007',
};
const declarationId = '01900000-0000-7000-8000-0000000000d1';

describe('migration 1769200100000: the correlation chain a surge cleared by hand continues, on PostgreSQL', () => {
  let database: TestDatabase;
  let db: DataSource;
  let reported: string[];
  const chains = async () => (await db.query('SELECT id, correlation_id FROM surge ORDER BY id')) as { id: string; correlation_id: string | null }[];

  beforeAll(async () => {
    ({ database, db, reported } = await migratedThrough('surge-correlation-migration', SurgeCorrelation1769200100000, async (before) => {
      for (const [id, status, source, origin, signalLoss] of [
        [ids.detectorInOutbox, 'active', 'detector', 'IR/requests/2026-12-01T10:00:00.000Z', null],
        [ids.detectorPruned, 'active', 'detector', 'IR/requests/2026-11-20T10:00:00.000Z', null],
        [ids.detectorPrunedCleared, 'cleared', 'detector', 'IR/requests/2026-11-10T10:00:00.000Z', null],
        [ids.alert, 'active', 'alert', 'alertmanager/fp-IR', null],
        [ids.alertInOutbox, 'active', 'alert', 'grafana/fp-NP', null],
        [ids.declaration, 'active', 'declaration', declarationId, null],
        [ids.lostSignal, 'active', 'detector', 'signal-loss/requests', JSON.stringify({ lastSampleAt: '2026-12-01T09:40:00.000Z', silentSeconds: 1200 })],
      ]) {
        await before.query(
          `INSERT INTO surge (id, region, metric, status, started_at, source, origin, severity, reason, detected_at, updated_at, signal_loss)
           VALUES ($1, 'IR', 'requests', $2, '2026-12-01T10:00Z', $3, $4, 'major', 'surge', '2026-12-01T10:00Z', '2026-12-01T10:00Z', $5)`,
          [id, status, source, origin, signalLoss],
        );
      }
      const told = (type: string, surgeId: string, correlationId: string) =>
        before.query(`INSERT INTO outbox_message (event_id, event_type, topic, message_key, headers, payload) VALUES ($1, $2, 'region.surges.v1', 'IR', $3, $4)`, [
          randomUUID(),
          type,
          JSON.stringify({ ce_type: type, ce_correlationid: correlationId }),
          JSON.stringify({ surgeId }),
        ]);
      await told('surge.started', ids.detectorInOutbox, 'sample-chain-1');
      // A later event of another chain (the sample that updated it) is not the surge's chain.
      await told('surge.updated', ids.detectorInOutbox, 'sample-chain-2');
      await told('surge.started', ids.alertInOutbox, 'grafana:fp-NP');
    }));
  });

  afterAll(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it("takes each surge's chain from its surge.started in the outbox, else from its alert, declaration or lost signal, and says which active ones have none", async () => {
    expect(await chains()).toEqual([
      { id: ids.detectorInOutbox, correlation_id: 'sample-chain-1' },
      // Its chain was the sample's that started it, pruned with its events.
      { id: ids.detectorPruned, correlation_id: null },
      { id: ids.detectorPrunedCleared, correlation_id: null },
      { id: ids.alert, correlation_id: 'alertmanager:fp-IR' },
      { id: ids.alertInOutbox, correlation_id: 'grafana:fp-NP' },
      { id: ids.declaration, correlation_id: declarationId },
      { id: ids.lostSignal, correlation_id: 'signal-loss:IR/requests' },
    ]);
    expect(reported).toEqual([
      'schema impact_analyzer: SurgeCorrelation1769200100000 kept the correlation chain of 2 surge(s) from their surge.started in the outbox and of 3 from their alert, declaration or lost signal; ' +
        '1 active detector surge(s), their surge.started pruned from the outbox, have none: cleared by hand, their surge.cleared starts a chain of its own',
    ]);
  });

  it('undoes it on the way down', async () => {
    await db.undoLastMigration({ transaction: 'each' });
    expect(await db.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'impact_analyzer' AND table_name = 'surge' AND column_name = 'correlation_id'`)).toEqual([]);
  });
});
