import { ConsumerGroups, Topics } from '@holdfast/contracts';
import type { MessagingRuntime } from '@holdfast/messaging';
import type { ServiceConfig } from '@holdfast/service-kit';
import { Logger } from '@nestjs/common';
import { AssignerProtocol } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import type { PlannerSettings } from '../config/planner-settings';
import { partitionOfRegion } from './surge-log-lag';
import { FIRST_READ_WAIT_MS, SurgeLogWatch } from './surge-log-watch';

const INTERVAL_MS = 2_000;
const PREFIX = 'spec.';
const IR = partitionOfRegion('IR', 6);
const HOLDER = { memberId: 'maintenance-planner-b', host: '10.0.0.8' };

/** A broker as the admin client sees it: each partition's log end and the group's committed offset, or down. */
class FakeBroker {
  ends = [0, 0, 0, 0, 0, 0];
  committed = [-1, -1, -1, -1, -1, -1];
  down = false;
  /** Connecting never answers, as a broker that takes the connection and says nothing. */
  hangs = false;
  connections = 0;
  readonly asked: { topic: string; groupId?: string }[] = [];

  admin() {
    return {
      connect: async () => {
        if (this.hangs) await new Promise(() => undefined);
        if (this.down) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:19092');
        this.connections++;
      },
      disconnect: async () => undefined,
      fetchTopicOffsets: async (topic: string) => {
        if (this.down) throw new Error('Connection error: socket closed');
        this.asked.push({ topic });
        return this.ends.map((end, partition) => ({ partition, low: '0', high: String(end), offset: String(end) }));
      },
      fetchOffsets: async ({ groupId, topics }: { groupId: string; topics: string[] }) => {
        if (this.down) throw new Error('Connection error: socket closed');
        this.asked.push({ topic: topics[0], groupId });
        return [{ topic: topics[0], partitions: this.committed.map((offset, partition) => ({ partition, offset: String(offset), metadata: null })) }];
      },
      // One other replica has every partition.
      describeGroups: async ([groupId]: string[]) => {
        if (this.down) throw new Error('Connection error: socket closed');
        const assignment = { [`${PREFIX}region.surges.v1`]: this.ends.map((_, partition) => partition) };
        const memberAssignment = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) });
        return { groups: [{ groupId, members: [{ memberId: HOLDER.memberId, clientId: 'maintenance-planner', clientHost: `/${HOLDER.host}`, memberMetadata: Buffer.alloc(0), memberAssignment }] }] };
      },
    };
  }
}

describe('SurgeLogWatch', () => {
  let broker: FakeBroker;
  let watch: SurgeLogWatch;
  let warned: MockInstance;
  let said: MockInstance;

  beforeEach(() => {
    warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    said = vi.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    broker = new FakeBroker();
    const messaging = { kafka: { admin: () => broker.admin() } } as unknown as MessagingRuntime;
    const config = { kafka: { topicPrefix: PREFIX }, settings: { gateSurgeOffsetsIntervalMs: INTERVAL_MS } } as unknown as ServiceConfig<PlannerSettings>;
    watch = new SurgeLogWatch(messaging, config);
  });

  afterEach(async () => {
    await watch.beforeApplicationShutdown();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("reads the prefixed topic's log ends and the surge consumer's group offsets", async () => {
    await watch.onApplicationBootstrap();
    expect(broker.asked).toEqual([{ topic: `${PREFIX}${Topics.regionSurges}` }, { topic: `${PREFIX}${Topics.regionSurges}`, groupId: `${PREFIX}${ConsumerGroups.plannerSurges}` }]);
  });

  it('counts at start what the group has not applied; after, only what it has not applied for an interval', async () => {
    broker.ends[IR] = 2;
    await watch.onApplicationBootstrap();
    expect(watch.behindFor(['IR'])).toEqual([{ partition: IR, messagesBehind: 2, heldBy: HOLDER }]);
    expect(watch.state()).toEqual({ behind: [{ partition: IR, messagesBehind: 2, heldBy: HOLDER }] });

    // Applied; a third message arrives and is being applied as the next read comes: not behind.
    broker.committed[IR] = 2;
    broker.ends[IR] = 3;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(watch.behindFor(['IR'])).toEqual([]);
    expect(watch.behindFor(null)).toEqual([]);

    // Still not applied an interval on: behind.
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(watch.behindFor(['IR'])).toEqual([{ partition: IR, messagesBehind: 1, heldBy: HOLDER }]);
    expect(watch.behindFor(null)).toEqual([{ partition: IR, messagesBehind: 1, heldBy: HOLDER }]);

    broker.committed[IR] = 3;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(watch.behindFor(['IR'])).toEqual([]);
    expect(watch.state()).toEqual({ behind: [] });
  });

  it('says nothing from a read more than three intervals old, says how long it has gone unread, and reconnects once the broker is back', async () => {
    broker.ends[IR] = 1;
    await watch.onApplicationBootstrap();
    expect(watch.behindFor(['IR'])).toHaveLength(1);
    broker.down = true;
    await vi.advanceTimersByTimeAsync(3 * INTERVAL_MS);
    // The last read still answers for three intervals.
    expect(watch.behindFor(['IR'])).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(watch.behindFor(['IR'])).toEqual([]);
    expect(watch.state()).toEqual({ unreadForSeconds: 8 });
    // Every failure is one, but a run of them is said once in a while.
    expect(warned).toHaveBeenCalledTimes(1);
    expect(warned.mock.calls[0][1]).toContain("could not read region.surges.v1's log ends and the consumer group's offsets");

    broker.down = false;
    broker.committed[IR] = 1;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    expect(broker.connections).toBe(2);
    expect(watch.state()).toEqual({ behind: [] });
    expect(said).toHaveBeenCalledWith(expect.objectContaining({ failedForMs: 8_000 }), 'the offsets of region.surges.v1 are read again');
  });

  it('lets a start go on when the first read does not come, saying it has not read yet', async () => {
    broker.hangs = true;
    let started = false;
    const starting = watch.onApplicationBootstrap().then(() => (started = true));
    await vi.advanceTimersByTimeAsync(FIRST_READ_WAIT_MS - 1);
    expect(started).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await starting;
    expect(watch.behindFor(null)).toEqual([]);
    expect(watch.state()).toEqual({ unreadForSeconds: null });
  });

  it('lets a start go on when the broker refuses the first read', async () => {
    broker.down = true;
    await watch.onApplicationBootstrap();
    expect(watch.state()).toEqual({ unreadForSeconds: null });
  });
});
