import { AssignerProtocol, Partitioners, type MemberDescription, type PartitionMetadata } from 'kafkajs';

/** A partition's offsets as the admin client reads them (fetchTopicOffsets): its log's start and end. */
export interface LogOffsets {
  partition: number;
  low: string;
  high: string;
}

/** A partition's committed offset of a consumer group (fetchOffsets): -1 when the group never committed one. */
export interface CommittedOffset {
  partition: number;
  offset: string;
}

/** The group member a partition is assigned to, as the group's coordinator describes it. */
export interface PartitionHolder {
  memberId: string;
  /** Where its connection comes from, as the broker sees it. */
  host: string;
}

/**
 * A partition the consumer group has not applied up to a log end read before, how far behind its log end now it is, and
 * the member that has it (null while the group assigns it to none: a rebalance under way).
 */
export interface PartitionBehind {
  partition: number;
  messagesBehind: number;
  heldBy?: PartitionHolder | null;
}

/** Which member of the group has each partition of `topic`, from the group's description (describeGroups). */
export function partitionHolders(members: readonly MemberDescription[], topic: string): Map<number, PartitionHolder> {
  const holders = new Map<number, PartitionHolder>();
  for (const member of members) {
    // A member between assignments has none; an assignment the protocol cannot read names no partition.
    const assignment = member.memberAssignment?.length ? AssignerProtocol.MemberAssignment.decode(member.memberAssignment) : null;
    for (const partition of assignment?.assignment[topic] ?? []) holders.set(partition, { memberId: member.memberId, host: member.clientHost.replace(/^\//, '') });
  }
  return holders;
}

/**
 * Per partition, where the group resumes (its committed offset) and the log end. The group commits only after the
 * transaction of what it handled, so this never runs ahead of what is applied. No committed offset (-1), or one outside
 * the log (a topic created again, messages past retention), resumes at the log's start, as the consumer does (CatchUp).
 */
export function groupPositions(logs: readonly LogOffsets[], committed: readonly CommittedOffset[]): Map<number, { position: bigint; end: bigint }> {
  const resumesAt = new Map(committed.map(({ partition, offset }) => [partition, BigInt(offset)]));
  const positions = new Map<number, { position: bigint; end: bigint }>();
  for (const { partition, low, high } of logs) {
    const start = BigInt(low);
    const end = BigInt(high);
    const at = resumesAt.get(partition) ?? -1n;
    positions.set(partition, { position: at >= start && at <= end ? at : start, end });
  }
  return positions;
}

/**
 * The partitions whose group position now is below the log end read before (`earlierEnds`, a read an interval ago): a
 * message that arrived since and is being applied does not count, one there an interval ago and still not committed does.
 */
export function partitionsBehind(earlierEnds: ReadonlyMap<number, bigint>, now: ReadonlyMap<number, { position: bigint; end: bigint }>): PartitionBehind[] {
  const behind: PartitionBehind[] = [];
  for (const [partition, { position, end }] of now) {
    const earlierEnd = earlierEnds.get(partition);
    if (earlierEnd !== undefined && position < earlierEnd) behind.push({ partition, messagesBehind: Number(end - position) });
  }
  return behind.sort((a, b) => a.partition - b.partition);
}

const keyedPartitioner = Partitioners.DefaultPartitioner();
const metadataOf = new Map<number, PartitionMetadata[]>();

/**
 * The partition a region's surge events are on: the producer's murmur2 partitioner (the Java client's, which
 * EventPublisher's first-choice partitioner wraps) on the region, the key the contract gives surge events.
 */
export function partitionOfRegion(region: string, partitionCount: number): number {
  let partitionMetadata = metadataOf.get(partitionCount);
  if (!partitionMetadata) {
    // Only the count matters for a keyed message; leaders are not read.
    partitionMetadata = Array.from({ length: partitionCount }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], offlineReplicas: [], partitionErrorCode: 0 }));
    metadataOf.set(partitionCount, partitionMetadata);
  }
  return keyedPartitioner({ topic: '', partitionMetadata, message: { key: region, value: null } });
}

/**
 * Of the partitions behind, those that carry the regions asked about (null: a global window, every partition). A
 * region's earlier events are on the partition its key had when they were published: only while the topic still has
 * the partition count it was created with (`createdWith`; Kafka adds partitions, never takes one away) does the count
 * now say where every one of them is. Past it, every partition behind counts for every region.
 */
export function behindFor(regions: readonly string[] | null, behind: readonly PartitionBehind[], partitionCount: number, createdWith: number): PartitionBehind[] {
  if (behind.length === 0 || regions === null || partitionCount !== createdWith) return [...behind];
  const carrying = new Set(regions.map((region) => partitionOfRegion(region, partitionCount)));
  return behind.filter(({ partition }) => carrying.has(partition));
}
