import type { ManualClock, ServiceUnderTest } from '@holdfast/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { HoldsService } from '../../src/holds/holds.service';
import { startPlanner } from './planner-with-readers';

/**
 * The planner for specs that race two transactions over the same holds and windows: one of the spec's own, held open
 * through the app's data source, and a request's. A connection of the spec's own, outside both, watches which of the
 * planner's sessions wait and reads what each wrote.
 */
export interface PlannerWithSpy {
  service: ServiceUnderTest;
  db: DataSource;
  holds: HoldsService;
  /** The spec's own connection to the planner's schema. */
  spy: Client;
  /** Another connection of the spec's own to the planner's schema, to hold a row in a transaction it begins; closed with the planner. */
  connect(): Promise<Client>;
  /** How many of the planner's sessions wait for a lock another transaction holds: advisory (the hold set's, an outbox key's) or a row's. */
  waitingOnLocks(): Promise<number>;
  waitingOnAdvisory(): Promise<number>;
  /** Those waiting for a row of another transaction (not for an advisory lock, which may be the spy's). */
  waitingOnRows(): Promise<number>;
  /** The hold's events written to the outbox, in order. */
  holdEvents(holdId: string): Promise<string[]>;
  /** The hold's links in force: a released hold has none. */
  linksInForce(holdId: string): Promise<number>;
  close(): Promise<void>;
}

export async function startPlannerWithSpy(clock: ManualClock, environment: NodeJS.ProcessEnv = {}): Promise<PlannerWithSpy> {
  const service = await startPlanner(clock, environment);
  const connections: Client[] = [];
  const connect = async () => {
    const connection = await connectToPlanner(service);
    connections.push(connection);
    return connection;
  };
  const spy = await connect().catch(async (error: unknown) => {
    await service.close();
    throw error;
  });
  const waiting = async (condition: string) =>
    (await spy.query(`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND ${condition}`)).rows[0].waiting as number;
  return {
    service,
    db: service.app.get(DataSource),
    holds: service.app.get(HoldsService),
    spy,
    connect,
    waitingOnLocks: () => waiting(`wait_event_type = 'Lock'`),
    waitingOnAdvisory: () => waiting(`wait_event = 'advisory'`),
    waitingOnRows: () => waiting(`wait_event_type = 'Lock' AND wait_event <> 'advisory'`),
    holdEvents: async (holdId) =>
      (await spy.query(`SELECT event_type FROM outbox_message WHERE payload->>'holdId' = $1 AND event_type LIKE 'hold.%' ORDER BY id`, [holdId])).rows.map((row: { event_type: string }) => row.event_type),
    linksInForce: async (holdId) => (await spy.query('SELECT count(*)::int AS links FROM hold_occurrence WHERE hold_id = $1 AND released_at IS NULL', [holdId])).rows[0].links as number,
    async close() {
      await Promise.all(connections.map((connection) => connection.end()));
      await service.close();
    },
  };
}

/** A connection of the spec's own to the planner's database, reading its schema. */
export async function connectToPlanner(service: ServiceUnderTest): Promise<Client> {
  const connection = new Client({ connectionString: service.database.url, options: '-c search_path=maintenance_planner' });
  await connection.connect();
  return connection;
}

/** Whether the promise has settled, without waiting for it: asked after the microtasks queued now, so one settled already says so. */
export async function settled(promise: Promise<unknown>): Promise<boolean> {
  const pending = Symbol('pending');
  return (await Promise.race([promise.then(() => true, () => true), new Promise((resolve) => setImmediate(() => resolve(pending)))])) !== pending;
}
