import { Partitioners, type ICustomPartitioner, type Message } from 'kafkajs';

/**
 * The Java client's murmur2 partitioner, except that a message keeps the partition it was first
 * given. kafkajs partitions a send again on every retry and round-robins messages without a key
 * (a dead letter from an outside producer that sent none): a retried keyless message would land in
 * another partition's batch, and the broker either refuses that batch's sequence as out of order
 * or, for a batch of the same length, takes it for a resend and drops it.
 */
export const firstChoicePartitioner: ICustomPartitioner = () => {
  const partitionOf = Partitioners.DefaultPartitioner();
  const chosen = new WeakMap<Message, number>();
  return (args) => {
    const known = chosen.get(args.message);
    if (known !== undefined) return known;
    const partition = partitionOf(args);
    chosen.set(args.message, partition);
    return partition;
  };
};
