import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';

// Apart from every other advisory lock by its first key; the second is the replica's name.
const TAKE_NAME = "SELECT pg_try_advisory_lock(hashtext('notifier/replica'), hashtext($1)) AS taken";

/**
 * The name this replica's delivery claims carry (`delivery.claimed_by`), so that, started again under it (after kill -9,
 * an OOM kill, a crash), it takes back at once the deliveries its previous run left being sent, instead of leaving them,
 * and everything after them on their keys, until their lease ends.
 *
 * Only a holder of the name's session lock in PostgreSQL stamps claims with it, and holds it on a session of its own for
 * as long as it runs; PostgreSQL lets the lock go with the session of a process that died. So whoever takes the lock knows
 * that the claims under the name are no live process's: a second replica started under a name a live one holds (two with
 * the same NOTIFIER_REPLICA_ID) does not get it, stamps nothing, and takes nothing back. Nor does a restart whose previous
 * run's sessions PostgreSQL has not yet ended (a host gone, not a process): it tries again every sweep.
 */
export class ReplicaClaims {
  private readonly logger = new Logger(ReplicaClaims.name);
  private client: Client | null = null;
  private lastTry = Number.NEGATIVE_INFINITY;
  private toldHeldElsewhere = false;
  private closed = false;

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
   * Tries for the name's lock when it is not held (at most once every `retryMs`, `now` on the monotonic clock). True when
   * just taken: the claims under the name still being sent are then no live process's but this one's, those it holds.
   */
  async take(now: number): Promise<boolean> {
    if (this.name === undefined || this.client || this.closed || now - this.lastTry < this.retryMs) return false;
    this.lastTry = now;
    const client = new Client({ ...this.connection, keepAlive: true });
    // A session lost (PostgreSQL restarted, the connection cut): stamps nothing until the lock is taken again.
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      void client.end().catch(() => undefined);
      this.logger.warn({ replica: this.name }, 'lost the session holding this replica name; claims carry no name until it is taken again');
    };
    client.on('error', lost);
    client.on('end', lost);
    try {
      await client.connect();
      const [{ taken }] = (await client.query<{ taken: boolean }>(TAKE_NAME, [this.name])).rows;
      if (!taken) {
        await client.end();
        if (!this.toldHeldElsewhere) {
          this.toldHeldElsewhere = true;
          this.logger.warn(
            { replica: this.name },
            `another live notifier session holds the replica name ${this.name} (a replica with the same NOTIFIER_REPLICA_ID, or this one's run before, not yet ended): what it left being sent waits for its lease, and this replica tries again every NOTIFIER_WORKER_SWEEP_MS`,
          );
        }
        return false;
      }
    } catch {
      // PostgreSQL away: the claims fail too and say so; the name is tried for again at the next sweep.
      await client.end().catch(() => undefined);
      return false;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return false;
    }
    this.client = client;
    this.toldHeldElsewhere = false;
    return true;
  }

  /** Lets the name go: once nothing this replica claimed is being sent, on shutdown. */
  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
