import { RepeatedFailure } from '@holdfast/observability';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { MessagingLogger } from '../kafka/messaging-logger';
import { DEFAULT_BACKOFF, retried, type Backoff } from '../retried';

/**
 * How long a consumer's start waits for the offsets of its first assignment: on a topic just created they
 * cannot be read for a moment, and until they are, the consumer counts as catching up.
 */
export const ASSIGNMENT_READ_WAIT_MS = 5_000;

/** Why a consumer has not caught up, and by how much once that is known. */
export interface CatchingUp {
  /** What it catches up after: its start (or kafkajs's restart of it after a crash), or a rebalance of its group. */
  after: 'start' | 'rebalance';
  /** Messages between what it has applied and the log ends read when its partitions were assigned; undefined until they are read. */
  messagesBehind?: number;
}

export interface CatchUpOptions {
  consumer: Pick<Consumer, 'on' | 'events'>;
  kafka: Pick<Kafka, 'admin'>;
  /** A connected admin client to read offsets with; without one, the tracker connects one of its own when first needed. */
  admin?: Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;
  groupId: string;
  /** The topic as the broker names it (prefixed). */
  topic: string;
  logger: MessagingLogger;
  backoff?: Backoff;
}

type OffsetReader = Pick<Admin, 'fetchTopicOffsets' | 'fetchOffsets'>;

/**
 * Whether a consumer has applied everything its partitions held when they were assigned to it:
 * for each, its position has reached the log end read at the assignment (after its start and after
 * each rebalance). The position is where the group resumes (its committed offset, which the
 * consumer commits only after the transaction of what it handled) or, past it, the offset after the
 * last message whose transaction this process committed: a message fetched but not applied does not
 * count. A partition with nothing to read is caught up at once; before its first assignment a
 * consumer is not. The offsets are read once per assignment; the answer is a field, for a hot path.
 */
export class CatchUp {
  private state: CatchingUp | undefined = { after: 'start' };
  /** Counts assignments (and what voids one: a rebalance, a crash): a read of offsets answers only for its own. */
  private assignment = 0;
  private joined = false;
  /** The log end of each partition assigned, as read at the assignment; undefined until read. */
  private ends?: ReadonlyMap<number, bigint>;
  /** Per partition, the offset before which every message is applied, as far as this process knows (true still of one handed on). */
  private readonly positions = new Map<number, bigint>();
  /** Those waiting for the log ends of the current assignment to be read (assignmentRead). */
  private readonly waiting = new Set<() => void>();
  private ownAdmin?: Promise<Admin>;
  private closed = false;
  private readonly readFailures = new RepeatedFailure();

  constructor(private readonly options: CatchUpOptions) {
    const { consumer } = options;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.assigned(payload.memberAssignment[options.topic] ?? []));
    // Its partitions are being handed out again, or kafkajs restarts it and joins again: what they hold is read anew then.
    consumer.on(consumer.events.REBALANCING, () => this.unassigned('rebalance'));
    consumer.on(consumer.events.CRASH, () => this.unassigned('start'));
  }

  /** What the consumer is catching up after, or undefined once it has caught up with its assignment. */
  catchingUp(): CatchingUp | undefined {
    return this.state;
  }

  /** The consumer starts (again): it has caught up with nothing until its first assignment says what there is. */
  starting(): void {
    this.closed = false;
    this.assignment++;
    this.joined = false;
    this.ends = undefined;
    this.positions.clear();
    this.state = { after: 'start' };
  }

  /**
   * Settles once the log ends of the consumer's current assignment are read (also one made while it
   * waits: kafkajs joins again when a fetch finds a topic just created without its leader), or after
   * `withinMs` while they are not (they are read again meanwhile). At once when it has not joined its
   * group since it started (kafkajs crashed joining, and restarts it later).
   */
  async assignmentRead(withinMs: number): Promise<void> {
    if (this.ends !== undefined || !this.joined) return;
    let read!: () => void;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      read = resolve;
      this.waiting.add(read);
      timer = setTimeout(resolve, withinMs);
    });
    clearTimeout(timer);
    this.waiting.delete(read);
  }

  /** Every message of `partition` before `nextOffset` is applied, its transaction committed. */
  applied(partition: number, nextOffset: string): void {
    const offset = BigInt(nextOffset);
    if (offset <= (this.positions.get(partition) ?? -1n)) return;
    this.positions.set(partition, offset);
    if (this.state && this.ends?.has(partition)) this.measure();
  }

  /** Stops reading offsets for good, and closes the admin client it connected itself. */
  async close(): Promise<void> {
    this.closed = true;
    this.assignment++;
    // Read once: a connection under way is waited for, and one that failed has nothing to close.
    const admin = await this.ownAdmin?.catch(() => undefined);
    this.ownAdmin = undefined;
    await admin?.disconnect();
  }

  private unassigned(after: CatchingUp['after']): void {
    this.assignment++;
    this.ends = undefined;
    this.state = { after: this.state?.after === 'start' ? 'start' : after };
  }

  private assigned(partitions: readonly number[]): void {
    const assignment = ++this.assignment;
    // Joined again, caught up, with no rebalance or crash between, keeping only partitions it had (kafkajs joins again
    // after refreshing stale metadata): nothing was handed out anew, so it stays caught up while their log ends are read.
    const kept = this.state === undefined && this.ends !== undefined && partitions.every((partition) => this.ends!.has(partition));
    if (!kept) {
      this.state = { after: this.state?.after ?? (this.joined ? 'rebalance' : 'start') };
      this.ends = undefined;
    }
    this.joined = true;
    if (partitions.length === 0) {
      this.endsRead(new Map());
      return;
    }
    void retried(() => this.readEnds(assignment, partitions), this.options.backoff ?? DEFAULT_BACKOFF, (error, attempt) => {
      if (assignment !== this.assignment) return false;
      const fields = { err: error, topic: this.options.topic, group: this.options.groupId, attempt };
      // A topic just created has no partition leader for a moment: one failure is ordinary, a second is worth a warning.
      if (attempt === 1) this.options.logger.debug(fields, 'could not read the offsets of the partitions assigned; reading them again');
      else this.readFailures.log(this.options.logger, 'warn', fields, 'could not read the offsets of the partitions assigned; the consumer counts as catching up until they are read, retrying');
      return true;
    }).catch(() => undefined);
  }

  private async readEnds(assignment: number, partitions: readonly number[]): Promise<void> {
    const { topic, groupId } = this.options;
    const admin = await this.offsetReader();
    const [logEnds, [committed]] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    this.readFailures.succeeded((fields, message) => this.options.logger.info(fields, message), { topic, group: groupId }, 'the offsets of the partitions assigned are read again');
    if (assignment !== this.assignment) return;
    const resumesAt = new Map((committed?.partitions ?? []).map(({ partition, offset }) => [partition, BigInt(offset)]));
    const ends = new Map<number, bigint>();
    for (const { partition, high, low } of logEnds) {
      if (!partitions.includes(partition)) continue;
      const end = BigInt(high);
      const start = BigInt(low);
      const committedAt = resumesAt.get(partition) ?? -1n;
      // No committed offset (-1), or one outside the log (a topic created again, messages past retention): the group reads from the log's start.
      const from = committedAt >= start && committedAt <= end ? committedAt : start;
      if (from > (this.positions.get(partition) ?? -1n)) this.positions.set(partition, from);
      ends.set(partition, end);
    }
    this.endsRead(ends);
  }

  private endsRead(ends: ReadonlyMap<number, bigint>): void {
    this.ends = ends;
    this.measure();
    for (const read of this.waiting) read();
  }

  private measure(): void {
    let behind = 0n;
    for (const [partition, end] of this.ends ?? []) {
      const position = this.positions.get(partition) ?? 0n;
      if (position < end) behind += end - position;
    }
    if (behind > 0n) {
      this.state = { after: this.state?.after ?? 'rebalance', messagesBehind: Number(behind) };
      return;
    }
    // Said when there was a backlog to apply; partitions with nothing to read, at every start, are not news.
    if (this.state?.messagesBehind) this.options.logger.info({ topic: this.options.topic, group: this.options.groupId, after: this.state.after }, 'caught up: applied what the partitions assigned held at the assignment');
    this.state = undefined;
  }

  private offsetReader(): Promise<OffsetReader> {
    if (this.options.admin) return Promise.resolve(this.options.admin);
    if (this.closed) return Promise.reject(new Error('the consumer has stopped: no offsets are read for it'));
    if (!this.ownAdmin) {
      const admin = this.options.kafka.admin();
      // A connection that failed is not kept: the next attempt connects again.
      this.ownAdmin = admin.connect().then(
        () => admin,
        (error: unknown) => {
          this.ownAdmin = undefined;
          throw error;
        },
      );
    }
    return this.ownAdmin;
  }
}
