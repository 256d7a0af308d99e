import { Kafka, logLevel } from 'kafkajs';

// Past the broker's first offset-index and time-index entry (log.index.interval.bytes, 4 KiB by default).
const FILLER_BYTES = 8 * 1024;

/**
 * Brings every partition of `topics` to where a running system's partitions are, then hides what
 * it wrote: filler past the first index entry of the active segment, then DeleteRecords up to the
 * end, so consumers that start afterwards see empty topics.
 *
 * Why: a partition's first index entry is the first write into its sparse, memory-mapped index
 * files, and on the project's ext4 disk that page fault blocks the broker's append for 8-14 ms on a
 * quiet machine and 40-60 ms under bench:e2e's load (docs/performance-journal.md). A long-lived partition pays
 * it once per index page (about every 1.4 MB it takes in); a bench that creates its topics a moment
 * before it measures would pay it on every partition inside the measured window.
 */
export async function warmPartitions(brokers: string[], topics: readonly string[]): Promise<number> {
  // A client of its own that logs nothing: a partition created a moment ago may refuse a produce
  // (not the leader yet) until its leader serves it, which kafkajs retries but logs as an error.
  // A failure that outlasts the retries still throws.
  const kafka = new Kafka({ clientId: 'bench-warm-partitions', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  await Promise.all([admin.connect(), producer.connect()]);
  try {
    const filler = Buffer.alloc(FILLER_BYTES, 'x');
    const metadata = await admin.fetchTopicMetadata({ topics: [...topics] });
    let partitions = 0;
    for (const { name, partitions: described } of metadata.topics) {
      // Two batches, so the time index (an entry per new largest timestamp) gets its first entry too.
      for (let batch = 0; batch < 2; batch++) {
        await producer.send({ topic: name, acks: -1, messages: described.map(({ partitionId }) => ({ partition: partitionId, value: filler })) });
      }
      // Up to each partition's end as the broker now reports it (offset -1 needs the leaders in the admin's metadata, which a fresh topic may not have yet).
      const ends = await admin.fetchTopicOffsets(name);
      await admin.deleteTopicRecords({ topic: name, partitions: ends.map(({ partition, high }) => ({ partition, offset: high })) });
      partitions += described.length;
    }
    return partitions;
  } finally {
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  }
}
