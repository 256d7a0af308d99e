import { ConsumerGroups, Topics, TopicSpecs } from '@holdfast/contracts';
import { MessagingRuntime, physicalTopic } from '@holdfast/messaging';
import { RepeatedFailure } from '@holdfast/observability';
import { InjectServiceConfig, type ServiceConfig } from '@holdfast/service-kit';
import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Admin } from 'kafkajs';
import type { PlannerSettings } from '../config/planner-settings';
import { behindFor, groupPositions, partitionHolders, partitionsBehind, type PartitionBehind } from './surge-log-lag';

/** How long a start waits for the first read: past it the planner serves, the gate relying on its other checks until a read lands. */
export const FIRST_READ_WAIT_MS = 3_000;

/** Reads missed before the last one is too old to answer for: the broker is away (the silence rule's business), or the group's offsets cannot be read. */
const READS_BEFORE_STALE = 3;

/** What the last read found, and when (performance.now()). */
interface SurgeLogRead {
  atMs: number;
  ends: ReadonlyMap<number, bigint>;
  behind: PartitionBehind[];
}

/**
 * Whether the planner's consumer group, every replica's consumer, has applied region.surges.v1. A replica's own consumer
 * knows only the partitions assigned to it (CatchUp); the group's committed offsets are what every replica shares. Every
 * interval this reads the topic's log ends and those offsets, and counts a partition behind while its committed offset is
 * below the log end of the read before: an interval (longer than a consumer's commit timer) to apply and commit what came.
 * The gate reads the result, a field, with no round trip to the broker.
 */
@Injectable()
export class SurgeLogWatch implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SurgeLogWatch.name);
  private readonly topic: string;
  private readonly groupId: string;
  private readonly intervalMs: number;
  private last: SurgeLogRead | undefined;
  private partitionCount = 0;
  /** The admin client being connected or connected; `connectedAdmin` once it is. */
  private admin: Promise<Admin> | undefined;
  private connectedAdmin: Admin | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly failures = new RepeatedFailure();

  constructor(
    private readonly messaging: MessagingRuntime,
    @InjectServiceConfig() config: ServiceConfig<PlannerSettings>,
  ) {
    this.topic = physicalTopic(config.kafka, Topics.regionSurges);
    // As EventConsumer names the group SurgeEventsConsumer joins.
    this.groupId = config.kafka.topicPrefix + ConsumerGroups.plannerSurges;
    this.intervalMs = config.settings.gateSurgeOffsetsIntervalMs;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.stopped = false;
    const first = this.read().then(() => this.next());
    let waited: NodeJS.Timeout | undefined;
    await Promise.race([first, new Promise<void>((resolve) => (waited = setTimeout(resolve, FIRST_READ_WAIT_MS)))]);
    clearTimeout(waited);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // A read under way fails on the closed connection, unsaid. A connection still being made is closed once made (connected):
    // a shutdown does not wait on a broker that does not answer.
    const admin = this.connectedAdmin;
    this.admin = this.connectedAdmin = undefined;
    await admin?.disconnect();
  }

  /** Seconds between reads of the offsets: how long a partition judged behind has been, at least (after the first read). */
  get intervalSeconds(): number {
    return this.intervalMs / 1000;
  }

  /**
   * The partitions behind that carry `regions` (null: every partition, a global window); none when none is, or when the
   * last read is too old to say (the broker away: the silence rule answers for that).
   */
  behindFor(regions: readonly string[] | null, nowMs = performance.now()): PartitionBehind[] {
    const last = this.current(nowMs);
    if (!last || last.behind.length === 0) return [];
    return behindFor(regions, last.behind, this.partitionCount, TopicSpecs[Topics.regionSurges].partitions);
  }

  /** For /health: the partitions behind, or how long the offsets have not been read once that is too long to answer for. */
  state(nowMs = performance.now()): { behind: PartitionBehind[] } | { unreadForSeconds: number | null } {
    const last = this.current(nowMs);
    if (last) return { behind: last.behind };
    return { unreadForSeconds: this.last ? Math.round((nowMs - this.last.atMs) / 1000) : null };
  }

  private current(nowMs: number): SurgeLogRead | undefined {
    return this.last && nowMs - this.last.atMs <= READS_BEFORE_STALE * this.intervalMs ? this.last : undefined;
  }

  private next(): void {
    if (this.stopped) return;
    // One read at a time: a read the broker is slow to answer delays the next rather than piling up.
    this.timer = setTimeout(() => void this.read().then(() => this.next()), this.intervalMs);
    this.timer.unref();
  }

  private async read(): Promise<void> {
    try {
      const admin = await this.connected();
      const [logs, [committed], { groups }] = await Promise.all([
        admin.fetchTopicOffsets(this.topic),
        admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] }),
        // Who has each partition: what an operator asks first of a partition behind.
        admin.describeGroups([this.groupId]),
      ]);
      const atMs = performance.now();
      const now = groupPositions(logs, committed?.partitions ?? []);
      // The first read has none before it: what it finds not applied counts, for one interval, while the planner starts.
      const earlierEnds = this.last?.ends ?? new Map([...now].map(([partition, { end }]) => [partition, end]));
      const holders = partitionHolders(groups[0]?.members ?? [], this.topic);
      const behind = partitionsBehind(earlierEnds, now).map((lag) => ({ ...lag, heldBy: holders.get(lag.partition) ?? null }));
      this.partitionCount = logs.length;
      this.last = { atMs, ends: new Map([...now].map(([partition, { end }]) => [partition, end])), behind };
      this.failures.succeeded((fields, message) => this.logger.log(fields, message), { topic: this.topic, group: this.groupId }, 'the offsets of region.surges.v1 are read again');
    } catch (error) {
      if (this.stopped) return;
      // A connection that failed, or one the broker dropped, is made again at the next read.
      const admin = this.connectedAdmin;
      this.admin = this.connectedAdmin = undefined;
      await admin?.disconnect().catch(() => undefined);
      this.failures.log(
        this.logger,
        'warn',
        { err: error, topic: this.topic, group: this.groupId },
        `could not read region.surges.v1's log ends and the consumer group's offsets; past ${READS_BEFORE_STALE} intervals the gate no longer judges other replicas' partitions, retrying`,
      );
    }
  }

  private connected(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.messaging.kafka.admin();
      this.admin = admin.connect().then(async () => {
        if (this.stopped) {
          await admin.disconnect();
          throw new Error('the planner is shutting down: region.surges.v1 offsets are no longer read');
        }
        this.connectedAdmin = admin;
        return admin;
      });
      // Not left unhandled while no read waits on it: the read that made it says why it failed.
      this.admin.catch(() => undefined);
    }
    return this.admin;
  }
}
