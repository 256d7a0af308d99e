import { expectEventually } from '@holdfast/testing';
import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../kafka/messaging-logger';
import { CatchUp } from './catch-up';

const TOPIC = 'spec.region.surges.v1';
const GROUP = 'spec.maintenance-planner.holds';
/** Longer than any read the spec answers: a read settles long before it. */
const READ_WAIT_MS = 10_000;
const EVENTS = { GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing', CRASH: 'consumer.crash' } as const;

interface PartitionOffsets {
  high: string;
  low?: string;
  committed?: string;
}

/** A tracker on a kafkajs consumer whose events the spec emits, reading offsets the spec sets (each read answered when the spec says, if it holds them). */
function tracked() {
  const listeners = new Map<string, ((event: { payload: unknown }) => void)[]>();
  const emit = (name: string, payload: unknown = {}) => (listeners.get(name) ?? []).forEach((listener) => listener({ payload }));
  let offsets: Record<number, PartitionOffsets> = {};
  let failing: Error | undefined;
  let reads = 0;
  const held: (() => void)[] = [];
  let holding = false;
  const answered = async <R>(answer: () => R): Promise<R> => {
    reads++;
    if (holding) await new Promise<void>((resolve) => held.push(resolve));
    if (failing) throw failing;
    return answer();
  };
  const admin = {
    fetchTopicOffsets: () => answered(() => Object.entries(offsets).map(([partition, { high, low = '0' }]) => ({ partition: Number(partition), offset: high, high, low }))),
    fetchOffsets: () =>
      answered(() => [{ topic: TOPIC, partitions: Object.entries(offsets).map(([partition, { committed = '-1' }]) => ({ partition: Number(partition), offset: committed, metadata: null })) }]),
  } as unknown as Admin;
  const consumer = {
    events: EVENTS,
    on: (name: string, listener: (event: { payload: unknown }) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      return () => undefined;
    },
  };
  const catchUp = new CatchUp({ consumer: consumer as never, kafka: {} as Kafka, admin, groupId: GROUP, topic: TOPIC, logger: silentLogger, backoff: { startingDelayMs: 1, maxDelayMs: 2 } });
  return {
    catchUp,
    setOffsets: (next: Record<number, PartitionOffsets>) => (offsets = next),
    fail: (error: Error | undefined) => (failing = error),
    hold: () => (holding = true),
    answerHeld: () => {
      holding = false;
      held.splice(0).forEach((resolve) => resolve());
    },
    reads: () => reads,
    join: (partitions: number[]) => emit(EVENTS.GROUP_JOIN, { groupId: GROUP, memberAssignment: { [TOPIC]: partitions } }),
    rebalancing: () => emit(EVENTS.REBALANCING, { groupId: GROUP, memberId: 'member' }),
    crash: () => emit(EVENTS.CRASH, { groupId: GROUP, error: new Error('Connection timeout'), restart: true }),
  };
}

describe('CatchUp: a consumer has caught up once it has applied what its partitions held when they were assigned', () => {
  it('has not caught up before its first assignment, nor once started again', async () => {
    const { catchUp, setOffsets, join } = tracked();
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
    // Not joined (kafkajs crashed joining and restarts it later): a start does not wait for offsets no assignment asks for.
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
    setOffsets({ 0: { high: '0' } });
    join([0]);
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toBeUndefined();
    catchUp.starting();
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
  });

  it('counts a partition with nothing to read as caught up at once: an empty one, one the group committed to its end, none assigned', async () => {
    const { catchUp, setOffsets, join, reads } = tracked();
    setOffsets({ 0: { high: '0' }, 1: { high: '7', committed: '7' }, 2: { high: '9', low: '9' }, 3: { high: '5' } });
    join([0, 1, 2]);
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toBeUndefined();

    const other = tracked();
    other.join([]);
    expect(other.catchUp.catchingUp()).toBeUndefined();
    expect(other.reads()).toBe(0);
    expect(reads()).toBe(2);
  });

  it('counts the messages between where the group resumes and the log ends read at the assignment, down to none as they are applied', async () => {
    const { catchUp, setOffsets, join } = tracked();
    // Partition 0 resumes at its committed 4 of 10; partition 1 has no committed offset, from its start at 2; partition 5 is another member's.
    setOffsets({ 0: { high: '10', committed: '4' }, 1: { high: '5', low: '2' }, 5: { high: '100' } });
    join([0, 1]);
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toEqual({ after: 'start', messagesBehind: 9 });
    catchUp.applied(0, '9');
    expect(catchUp.catchingUp()).toEqual({ after: 'start', messagesBehind: 4 });
    catchUp.applied(1, '5');
    expect(catchUp.catchingUp()).toEqual({ after: 'start', messagesBehind: 1 });
    catchUp.applied(0, '10');
    expect(catchUp.catchingUp()).toBeUndefined();
    // Published since the assignment: the normal path, not a backlog.
    catchUp.applied(0, '11');
    expect(catchUp.catchingUp()).toBeUndefined();
  });

  it('keeps what was applied before the log ends were read, and reads a committed offset outside the log as its start', async () => {
    const { catchUp, setOffsets, join, hold, answerHeld } = tracked();
    // Committed past the end: the topic was created again and the group reads it from its start, as kafkajs does.
    setOffsets({ 0: { high: '6', committed: '40' }, 1: { high: '8', low: '3', committed: '1' } });
    hold();
    join([0, 1]);
    catchUp.applied(1, '8');
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
    answerHeld();
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toEqual({ after: 'start', messagesBehind: 6 });
  });

  it('is catching up after a rebalance until its new assignment is applied, what it applied of a partition kept counting', async () => {
    const { catchUp, setOffsets, join, rebalancing } = tracked();
    setOffsets({ 0: { high: '3' }, 1: { high: '2' } });
    join([0]);
    await catchUp.assignmentRead(READ_WAIT_MS);
    catchUp.applied(0, '3');
    expect(catchUp.catchingUp()).toBeUndefined();

    rebalancing();
    expect(catchUp.catchingUp()).toEqual({ after: 'rebalance' });
    // Partition 1 comes from a member that had not applied it; partition 0 stays, applied past what the group committed.
    join([0, 1]);
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toEqual({ after: 'rebalance', messagesBehind: 2 });
    catchUp.applied(1, '2');
    expect(catchUp.catchingUp()).toBeUndefined();

    // A join kafkajs makes without a rebalance first, keeping the partitions it had (stale metadata refreshed): caught up
    // still, while their log ends are read again; a backlog they show (a member stalled past its session) counts.
    setOffsets({ 0: { high: '5' }, 1: { high: '2' } });
    join([0, 1]);
    expect(catchUp.catchingUp()).toBeUndefined();
    await expectEventually(() => expect(catchUp.catchingUp()).toEqual({ after: 'rebalance', messagesBehind: 2 }), { message: 'the backlog read' });
    // One given a partition it did not have is catching up until it has read and applied it.
    catchUp.applied(0, '5');
    expect(catchUp.catchingUp()).toBeUndefined();
    join([0, 1, 2]);
    expect(catchUp.catchingUp()).toEqual({ after: 'rebalance' });
  });

  it("is still catching up after its start when a rebalance comes first, and after a start again when kafkajs restarts it after a crash", async () => {
    const { catchUp, setOffsets, join, rebalancing, crash } = tracked();
    setOffsets({ 0: { high: '3' } });
    join([0]);
    await catchUp.assignmentRead(READ_WAIT_MS);
    rebalancing();
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
    catchUp.applied(0, '3');
    join([0]);
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toBeUndefined();
    crash();
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
  });

  it('answers for the latest assignment only: offsets read for one voided since change nothing', async () => {
    const { catchUp, setOffsets, join, rebalancing, hold, answerHeld } = tracked();
    setOffsets({ 0: { high: '0' } });
    hold();
    join([0]);
    rebalancing();
    answerHeld();
    await catchUp.assignmentRead(50);
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
  });

  it('lets a start wait for the log ends of the assignment it has once it is done, also one made while it waits', async () => {
    const { catchUp, setOffsets, join, hold, answerHeld } = tracked();
    setOffsets({ 0: { high: '0' } });
    hold();
    join([0]);
    const waited = catchUp.assignmentRead(READ_WAIT_MS);
    // kafkajs joins again (a fetch found the topic without a leader): the first read is voided, the wait goes on.
    join([0]);
    answerHeld();
    await waited;
    expect(catchUp.catchingUp()).toBeUndefined();
  });

  it('goes on reading offsets it could not read, catching up meanwhile; a start waits for them only so long', async () => {
    const { catchUp, setOffsets, join, fail, reads } = tracked();
    setOffsets({ 0: { high: '0' } });
    fail(new Error('This server is not the leader for that topic-partition'));
    join([0]);
    await catchUp.assignmentRead(50);
    expect(catchUp.catchingUp()).toEqual({ after: 'start' });
    const tried = reads();
    await expectEventually(() => expect(reads()).toBeGreaterThan(tried), { message: 'read again' });
    fail(undefined);
    await catchUp.assignmentRead(READ_WAIT_MS);
    expect(catchUp.catchingUp()).toBeUndefined();
    await catchUp.close();
  });
});
