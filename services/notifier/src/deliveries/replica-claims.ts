import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';

// Apart from every other advisory lock by its first key; the second is the replica's name.
const TAKE_NAME = "SELECT pg_try_advisory_lock(hashtext('notifier/replica'), hashtext($1)) AS taken";
// The sessions holding the name's lock in this database (advisory locks are per database), for the refusal to name them.
const NAME_HOLDERS = `SELECT a.pid, a.application_name, host(a.client_addr) AS client_address, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND l.granted AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = hashtext('notifier/replica')::oid AND l.objid = hashtext($1)::oid AND l.objsubid = 2`;
// Claims under the name ($1) left being sent by a run before (or by this run, which gave up recording their answer): due now
// ($2), so the next claim takes them again, each with its interrupted attempt; not those this run is sending ($3). Not within a
// lease ($4) of PostgreSQL starting: a session ended by a restart says nothing of whether the replica that held it died (it may
// be sending still), and every claim made before the restart is due by then anyway.
const TAKE_BACK = `UPDATE delivery SET lease_until = $2 WHERE status = 'sending' AND claimed_by = $1 AND lease_until > $2 AND id <> ALL($3::uuid[])
    AND pg_postmaster_start_time() <= now() - $4::int * interval '1 millisecond'
  RETURNING id`;

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
 * an OOM kill, a crash), it takes back at once the deliveries its previous run left being sent, instead of leaving them,
 * and everything after them on their keys, until their lease ends.
 *
 * Only a holder of the name's session lock in PostgreSQL stamps claims with it, and holds it on a session of its own for
 * as long as it runs; PostgreSQL lets the lock go with the session of a process that died. So whoever takes the lock knows
 * that the claims under the name are no live process's. A replica started under a name a live session holds (two with the
 * same NOTIFIER_REPLICA_ID, or a run before on a lost host whose session PostgreSQL has not ended) runs without it, saying so:
 * refusing to start would keep a pod rescheduled off a lost host down until then, and taking it later could take what the
 * other is still sending. It stamps nothing and takes nothing back. One that loses its session stamps nothing, and takes
 * nothing back, until it holds the lock again: the take-back runs on that session, and what it was sending under the name
 * is unstamped (`disowned`), so a replica that takes the name meanwhile leaves it to its lease.
 */
export class ReplicaClaims {
  private readonly logger = new Logger(ReplicaClaims.name);
  private client: Client | null = null;
  private lastTry = Number.NEGATIVE_INFINITY;
  private toldHeldElsewhere = false;
  private closed = false;
  // The session was lost: what this replica is still sending under the name is to be unstamped (disown).
  private disowned = false;
  // Another session held the name at start: this run never takes it.
  private yielded = false;

  constructor(
    /** Undefined: this replica has no name that outlives it (PORT 0 and no NOTIFIER_REPLICA_ID), and stamps nothing. */
    readonly name: string | undefined,
    private readonly connection: ClientConfig,
    private readonly retryMs: number,
  ) {}

  /** What this replica's claims carry now: its name while it holds the name's lock, else nothing. */
  get stamp(): string | null {
    return this.client ? (this.name ?? null) : null;
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
   * just taken: the claims under the name still being sent are then no live process's but this one's, those it holds.
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
   * lock: a replica whose session is gone, noticed or not, takes nothing back. `held`: what this run is sending.
   */
  async takeBack(now: Date, held: string[], leaseMs: number): Promise<string[]> {
    const client = this.client;
    if (!client) return [];
    const { rows } = await client.query<{ id: string }>(TAKE_BACK, [this.name, now, held, leaseMs]);
    return rows.map((row) => row.id);
  }

  /**
   * Once the session was lost: `unstamp` takes the name off the claims this replica made under it and is still sending, which
   * no lock vouches for any more (a replica that takes the name would send them again). Tried again at the next call if it fails.
   */
  async disown(unstamp: (name: string) => Promise<unknown>): Promise<void> {
    if (!this.disowned || this.name === undefined) return;
    await unstamp(this.name);
    this.disowned = false;
  }

  private async attempt(now: number): Promise<{ taken: boolean; holders?: NameHolder[] }> {
    if (this.name === undefined || this.yielded || this.client || this.closed || now - this.lastTry < this.retryMs) return { taken: false };
    this.lastTry = now;
    const client = new Client({ ...this.connection, keepAlive: true });
    // A session lost (PostgreSQL restarted, the connection cut): stamps nothing until the lock is taken again.
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.disowned = true;
      void client.end().catch(() => undefined);
      this.logger.warn({ replica: this.name }, 'lost the session holding this replica name; claims carry no name, and nothing is taken back, until it is taken again');
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
    return { taken: true };
  }

  /** Lets the name go: once nothing this replica claimed is being sent, on shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
