import { Partitioners, type PartitionMetadata } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { firstChoicePartitioner } from './first-choice-partitioner';

const topic = 'holdfast.traffic.samples.v1';
const partitionMetadata: PartitionMetadata[] = [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], offlineReplicas: [], partitionErrorCode: 0 }));

describe("firstChoicePartitioner, the partitioner of the services' producer (EventPublisher)", () => {
  it('gives a keyless message on a retry the partition it gave it first, where round robin moves it', () => {
    const keyless = { key: null, value: Buffer.from('{}') };
    const roundRobin = Partitioners.DefaultPartitioner();
    expect(roundRobin({ topic, partitionMetadata, message: keyless })).not.toBe(roundRobin({ topic, partitionMetadata, message: keyless }));

    const partitionOf = firstChoicePartitioner();
    const first = partitionOf({ topic, partitionMetadata, message: keyless });
    expect([1, 2, 3].map(() => partitionOf({ topic, partitionMetadata, message: keyless }))).toEqual([first, first, first]);
  });

  it('still spreads keyless messages and places keyed ones as the Java client does', () => {
    const partitionOf = firstChoicePartitioner();
    const keyless = Array.from({ length: 6 }, () => ({ key: null, value: Buffer.from('{}') }));
    expect(new Set(keyless.map((message) => partitionOf({ topic, partitionMetadata, message }))).size).toBe(6);

    const javaClient = Partitioners.DefaultPartitioner();
    for (const key of ['IR', 'DE', 'US']) {
      const message = { key, value: null };
      expect(partitionOf({ topic, partitionMetadata, message })).toBe(javaClient({ topic, partitionMetadata, message: { key, value: null } }));
    }
  });
});
