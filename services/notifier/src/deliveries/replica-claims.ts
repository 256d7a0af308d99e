import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';

// Apart from every other advisory lock by its first key; the second is the replica's name.
const TAKE_NAME = "SELECT pg_try_advisory_lock(hashtext('notifier/replica'), hashtext($1)) AS taken";
// The sessions holding the name's lock in this database (advisory locks are per database), for the refusal to name them.
const NAME_HOLDERS = `SELECT a.pid, a.application_name, host(a.client_addr) AS client_address, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = hashtext('notifier/replica')::oid AND l.objid = hashtext($1)::oid AND l.objsubid = 2`;
// This run ($1) vouches for its claims under the name ($2) until PostgreSQL's now and $3 ms; a run without a row (it has
// just taken the name, or its row went while it stalled past its vouch) gets one.
const VOUCH = `INSERT INTO replica_run (id, name, vouched_until) VALUES ($1, $2, now() + $3::int * interval '1 millisecond')
  ON CONFLICT (id) DO UPDATE SET vouched_until = EXCLUDED.vouched_until`;
const STOP_VOUCHING = 'DELETE FROM replica_run WHERE id = $1';
// A run whose vouch lapsed (it died) says nothing any more: let go whenever a replica takes a name.
const FORGET_LAPSED_RUNS = 'DELETE FROM replica_run WHERE vouched_until <= now()';
// Claims under the name ($1) left being sent by a run before (or by this run, which gave up recording their answer): due now
// ($2), so the next claim takes them again, each with its interrupted attempt; not those this run is sending ($3). Not within a
// lease ($4) of PostgreSQL starting: a session ended by a restart says nothing of whether the replica that held it died (it may
// be sending still), and every claim made before the restart is due by then anyway. Nor while another run of the name (this
// one is $5) vouches for its claims: it lost the name's session, noticed or not, and may be sending them still (`vouching`).
const TAKE_BACK = `WITH vouching AS (
    SELECT count(*)::int AS runs FROM replica_run WHERE name = $1 AND id <> $5 AND vouched_until > now()
  ), taken AS (
    UPDATE delivery SET lease_until = $2 WHERE status = 'sending' AND claimed_by = $1 AND lease_until > $2 AND id <> ALL($3::uuid[])
      AND pg_postmaster_start_time() <= now() - $4::int * interval '1 millisecond' AND (SELECT runs FROM vouching) = 0
    RETURNING id
  )
  SELECT (SELECT runs FROM vouching) AS vouching, ARRAY(SELECT id::text FROM taken) AS ids`;
// Beyond the interval between renewals (every poll): a slow write, a pause of the event loop.
const VOUCH_MARGIN_MS = 2_000;

interface NameHolder {
  pid: number;
  application_name: string;
  client_address: string | null;
  backend_start: Date;
}

/**
 * What a replica started under a name a live session holds says: two replicas given the same NOTIFIER_REPLICA_ID, or its run
 * before on a host that is gone, whose session PostgreSQL has not ended yet.
 */
function nameHeldWarning(name: string, holders: NameHolder[]): string {
  const held = holders.map((holder) => `session ${holder.pid} (${holder.application_name || 'no application name'}, from ${holder.client_address ?? 'a local socket'}, since ${holder.backend_start.toISOString()})`);
  const pids = holders.map((holder) => holder.pid);
  return (
    `the replica name ${name} (NOTIFIER_REPLICA_ID, else hostname:PORT) is held by another notifier session: ${held.join(', ') || 'a session that has just ended'}. ` +
    'This replica runs without it for as long as it runs: its claims carry no name and it takes back nothing, so what it leaves being sent if it dies waits for its lease. Give each replica its own NOTIFIER_REPLICA_ID; ' +
    `if that session is this replica's run before on a host that is gone, restart this replica once PostgreSQL has ended it (TCP keepalive), or end it now with SELECT pg_terminate_backend(${pids[0] ?? '<pid>'}) once you know that process is gone, and restart.`
  );
}

/**
 * The name this replica's delivery claims carry (`delivery.claimed_by`), so that, started again under it (after kill -9,
 * an OOM kill, a crash), it takes back soon the deliveries its previous run left being sent, instead of leaving them,
 * and everything after them on their keys, until their lease ends.
 *
 * Only a holder of the name's session lock in PostgreSQL stamps claims with it, and holds it on a session of its own for
 * as long as it runs; PostgreSQL lets the lock go with the session of a process that died. A session can also end under a
 * live process (a dropped connection, pg_terminate_backend), which may not notice before its next poll, and sends on what
 * it claimed. So each run vouches for its claims under the name (`replica_run`, VOUCH): renewed every poll through the
 * pool, while it holds the name or still sends a claim it stamped, and ended once neither, or as it stops cleanly. A replica
 * that takes the name takes back the claims under it only once no other run vouches (TAKE_BACK): a run that died stops
 * renewing, and its vouch lapses within two polls and VOUCH_MARGIN_MS.
 *
 * A replica started under a name a live session holds (two with the same NOTIFIER_REPLICA_ID, or a run before on a lost
 * host whose session PostgreSQL has not ended) runs without it, saying so: refusing to start would keep a pod rescheduled
 * off a lost host down until then. It stamps nothing and takes nothing back. One that loses its session stamps nothing, and
 * takes nothing back, until it holds the lock again: the take-back runs on that session.
 */
export class ReplicaClaims {
  private readonly logger = new Logger(ReplicaClaims.name);
  /** This run of the replica, in `replica_run`. */
  private readonly run = randomUUID();
  private readonly vouchMs: number;
  private client: Client | null = null;
  private lastTry = Number.NEGATIVE_INFINITY;
  private toldHeldElsewhere = false;
  private toldVouchedElsewhere = false;
  private closed = false;
  // Another session held the name at start: this run never takes it.
  private yielded = false;
  // This run's replica_run row is written: it vouches for its claims under the name, and stamps them only then.
  private vouched = false;
  // Vouch writes, one at a time and in order: a renewal landing after the end of the vouch would write it again.
  private vouchWrites: Promise<void> = Promise.resolve();

  constructor(
    /** Undefined: this replica has no name that outlives it (PORT 0 and no NOTIFIER_REPLICA_ID), and stamps nothing. */
    readonly name: string | undefined,
    private readonly connection: ClientConfig,
    /** How often the name is tried for again, once this run lost its session (NOTIFIER_WORKER_SWEEP_MS). */
    private readonly retryMs: number,
    /** How often the worker renews the vouch (NOTIFIER_WORKER_POLL_MS). */
    renewMs: number,
    /**
     * The worker's side: a statement on its pool (the vouch outlives the name's session, whose loss this run may not have
     * noticed yet), and whether it still sends a claim stamped with the name.
     */
    private readonly worker: { query: (sql: string, parameters: unknown[]) => Promise<unknown>; sendingUnderName: () => boolean },
  ) {
    this.vouchMs = 2 * renewMs + VOUCH_MARGIN_MS;
  }

  /** What this replica's claims carry now: its name while it holds the name's lock and vouches for its claims, else nothing. */
  get stamp(): string | null {
    return this.client && this.vouched ? (this.name ?? null) : null;
  }

  /**
   * At start: takes the name's lock, or, when another session holds it, says so and runs without it for good (`yielded`).
   * True when taken. PostgreSQL away is tried again as `take` does.
   */
  async start(now: number): Promise<boolean> {
    const attempt = await this.attempt(now);
    if (attempt.holders) {
      this.yielded = true;
      this.logger.error({ replica: this.name, holders: attempt.holders.map((holder) => holder.pid) }, nameHeldWarning(this.name!, attempt.holders));
    }
    return attempt.taken;
  }

  /**
   * Tries for the name's lock when it is not held (at most once every `retryMs`, `now` on the monotonic clock). True when
   * just taken: the claims under the name still being sent are then those of this run or of runs before it.
   */
  async take(now: number): Promise<boolean> {
    const attempt = await this.attempt(now);
    if (attempt.holders && !this.toldHeldElsewhere) {
      this.toldHeldElsewhere = true;
      this.logger.warn(
        { replica: this.name, holders: attempt.holders.map((holder) => holder.pid) },
        `another live notifier session holds the replica name ${this.name} (one started under it while this replica's session was lost, or this replica's own session not yet ended): this replica's claims carry no name, it takes nothing back, and it tries again every NOTIFIER_WORKER_SWEEP_MS`,
      );
    }
    return attempt.taken;
  }

  /**
   * Makes due now the claims under the name that no live process is sending (TAKE_BACK), on the session holding the name's
   * lock: a replica whose session is gone, noticed or not, takes nothing back. `held`: what this run is sending. Undefined
   * while another run of the name vouches for its claims: asked again at the next pump.
   */
  async takeBack(now: Date, held: string[], leaseMs: number): Promise<string[] | undefined> {
    const client = this.client;
    if (!client) return [];
    const [{ vouching, ids }] = (await client.query<{ vouching: number; ids: string[] }>(TAKE_BACK, [this.name, now, held, leaseMs, this.run])).rows;
    if (vouching === 0) return ids;
    if (!this.toldVouchedElsewhere) {
      this.toldVouchedElsewhere = true;
      this.logger.log(
        { replica: this.name, runs: vouching },
        `another run of the replica name ${this.name} still vouches for what it claimed under it: it lost the name's session and may be sending those still, or died less than ${this.vouchMs} ms ago. This replica takes them back once that run has finished them, or once its vouch lapses`,
      );
    }
    return undefined;
  }

  /**
   * Every poll, as the session is lost, and as the last claim stamped with the name finishes: renews this run's vouch while it
   * holds the name or still sends a claim it stamped, and ends it once neither. Through the pool, not the name's session, so a
   * run that lost the session vouches on for what it still sends. PostgreSQL away: the claims say so; renewed at the next poll.
   */
  vouch(): Promise<void> {
    const write = this.vouchWrites.then(() => this.writeVouch()).catch(() => undefined);
    this.vouchWrites = write;
    return write;
  }

  private async writeVouch(): Promise<void> {
    if (this.name === undefined || this.closed) return;
    if (this.client || (this.vouched && this.worker.sendingUnderName())) {
      await this.worker.query(VOUCH, [this.run, this.name, this.vouchMs]);
      this.vouched = true;
    } else if (this.vouched) {
      await this.worker.query(STOP_VOUCHING, [this.run]);
      this.vouched = false;
    }
  }

  private async attempt(now: number): Promise<{ taken: boolean; holders?: NameHolder[] }> {
    if (this.name === undefined || this.yielded || this.client || this.closed || now - this.lastTry < this.retryMs) return { taken: false };
    this.lastTry = now;
    const client = new Client({ ...this.connection, keepAlive: true });
    // A session lost (PostgreSQL restarted, the connection cut): stamps nothing until the lock is taken again.
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      // From now it vouches only for what it still sends under the name.
      void this.vouch();
      this.logger.warn({ replica: this.name }, 'lost the session holding this replica name; claims carry no name, and nothing is taken back, until it is taken again (what it sends under the name it vouches for until finished)');
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      const [{ taken }] = (await client.query<{ taken: boolean }>(TAKE_NAME, [this.name])).rows;
      if (!taken) {
        const holders = (await client.query<NameHolder>(NAME_HOLDERS, [this.name])).rows;
        await client.end();
        return { taken: false, holders };
      }
      await client.query(FORGET_LAPSED_RUNS);
    } catch {
      // PostgreSQL away: the claims fail too and say so; the name is tried for again at the next sweep.
      await client.end().catch(() => undefined);
      return { taken: false };
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return { taken: false };
    }
    this.client = client;
    this.toldHeldElsewhere = false;
    this.toldVouchedElsewhere = false;
    // Its claims carry the name once the vouch for them is written (stamp); failing that, from the next poll's renewal.
    await this.vouch();
    return { taken: true };
  }

  /** Lets the name go: once nothing this replica claimed is being sent, on shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    await this.vouchWrites;
    // Nothing it claimed is being sent: a run started under the name next takes back at once what is left under it.
    if (this.vouched) await this.worker.query(STOP_VOUCHING, [this.run]).catch(() => undefined);
    this.vouched = false;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
