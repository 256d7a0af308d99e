import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { behindFor, groupPositions, partitionHolders, partitionOfRegion, partitionsBehind } from './surge-log-lag';

const log = (partition: number, low: number, high: number) => ({ partition, low: String(low), high: String(high) });
const committed = (partition: number, offset: number) => ({ partition, offset: String(offset) });
const ends = (...pairs: [number, number][]) => new Map(pairs.map(([partition, end]) => [partition, BigInt(end)]));

describe('groupPositions', () => {
  it("resumes at the committed offset, or at the log's start for none (-1), one before the start (retention) or past the end (a topic created again)", () => {
    const positions = groupPositions([log(0, 0, 5), log(1, 0, 5), log(2, 3, 9), log(3, 0, 2), log(4, 0, 4)], [committed(0, 5), committed(1, -1), committed(2, 1), committed(3, 7)]);
    expect(Object.fromEntries([...positions].map(([partition, { position, end }]) => [partition, [Number(position), Number(end)]]))).toEqual({
      0: [5, 5],
      1: [0, 5],
      2: [3, 9],
      3: [0, 2],
      // Not in the group's answer at all: never committed.
      4: [0, 4],
    });
  });
});

describe('partitionsBehind', () => {
  it('counts a partition whose position is below the log end read before, with how far behind its log end now it is', () => {
    const now = groupPositions([log(0, 0, 3), log(1, 0, 8), log(2, 0, 4)], [committed(0, 3), committed(1, 5), committed(2, 4)]);
    expect(partitionsBehind(ends([0, 3], [1, 6], [2, 4]), now)).toEqual([{ partition: 1, messagesBehind: 3 }]);
  });

  it('does not count a message that arrived since the read before, still being applied', () => {
    // Partition 0 had 3 messages, all applied; 2 came since, not committed yet.
    const now = groupPositions([log(0, 0, 5)], [committed(0, 3)]);
    expect(partitionsBehind(ends([0, 3]), now)).toEqual([]);
    expect(partitionsBehind(ends([0, 4]), now)).toEqual([{ partition: 0, messagesBehind: 2 }]);
  });

  it('counts a partition the group never committed on, and none whose messages retention removed', () => {
    expect(partitionsBehind(ends([0, 1]), groupPositions([log(0, 0, 1)], [committed(0, -1)]))).toEqual([{ partition: 0, messagesBehind: 1 }]);
    expect(partitionsBehind(ends([0, 6]), groupPositions([log(0, 6, 6)], [committed(0, -1)]))).toEqual([]);
  });

  it('judges a partition added since the read before at the next read, and lists partitions in order', () => {
    const now = groupPositions([log(3, 0, 2), log(0, 0, 2), log(6, 0, 2)], []);
    expect(partitionsBehind(ends([3, 2], [0, 1]), now)).toEqual([
      { partition: 0, messagesBehind: 2 },
      { partition: 3, messagesBehind: 2 },
    ]);
  });
});

describe('partitionOfRegion', () => {
  it("puts a region where the producer's murmur2 partitioner puts its surges (IR on partition 3 of 6, as a broker showed)", () => {
    expect(partitionOfRegion('IR', 6)).toBe(3);
    for (const region of ['IR', 'NP', 'eu-west', 'US']) {
      expect(partitionOfRegion(region, 6)).toBe(partitionOfRegion(region, 6));
      expect(partitionOfRegion(region, 6)).toBeGreaterThanOrEqual(0);
      expect(partitionOfRegion(region, 6)).toBeLessThan(6);
      expect(partitionOfRegion(region, 1)).toBe(0);
    }
  });
});

describe('behindFor', () => {
  const ir = partitionOfRegion('IR', 6);
  const other = (ir + 1) % 6;
  const behind = [
    { partition: ir, messagesBehind: 2 },
    { partition: other, messagesBehind: 1 },
  ].sort((a, b) => a.partition - b.partition);

  it("names only the partitions behind that carry the regions asked about; a global window's, every one", () => {
    expect(behindFor(['IR'], behind, 6, 6)).toEqual([{ partition: ir, messagesBehind: 2 }]);
    const free = ['NP', 'JP', 'BR', 'DE', 'FR', 'US'].find((region) => ![ir, other].includes(partitionOfRegion(region, 6)))!;
    expect(behindFor([free], behind, 6, 6)).toEqual([]);
    expect(behindFor(null, behind, 6, 6)).toEqual(behind);
    expect(behindFor(['IR'], [], 6, 6)).toEqual([]);
  });

  it('counts every partition behind for every region once the topic has more partitions than it was created with', () => {
    // A region's surges published before partitions were added are on the partition its key had then.
    expect(behindFor(['IR'], behind, 12, 6)).toEqual(behind);
  });
});

describe('partitionHolders', () => {
  const member = (memberId: string, clientHost: string, assignment: Record<string, number[]> | null) => ({
    memberId,
    clientId: 'maintenance-planner',
    clientHost,
    memberMetadata: Buffer.alloc(0),
    memberAssignment: assignment ? AssignerProtocol.MemberAssignment.encode({ version: 0, assignment, userData: Buffer.alloc(0) }) : Buffer.alloc(0),
  });

  it('names the member each partition of the topic is assigned to, its host without the leading slash; a member between assignments has none', () => {
    const holders = partitionHolders(
      [member('planner-a', '/10.0.0.7', { 'spec.region.surges.v1': [0, 2], 'spec.other.v1': [1] }), member('planner-b', '/10.0.0.8', { 'spec.region.surges.v1': [1] }), member('planner-c', '/10.0.0.9', null)],
      'spec.region.surges.v1',
    );
    expect(Object.fromEntries(holders)).toEqual({
      0: { memberId: 'planner-a', host: '10.0.0.7' },
      1: { memberId: 'planner-b', host: '10.0.0.8' },
      2: { memberId: 'planner-a', host: '10.0.0.7' },
    });
  });
});
