import { waitForLeaders } from '@holdfast/messaging';
import { expectEventually, testEnvironment } from '@holdfast/testing';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeRunTopics } from './local-kafka.mjs';

describe('removeRunTopics', () => {
  const { kafkaBrokers } = testEnvironment();
  const kafka = new Kafka({ clientId: 'remove-run-topics-spec', brokers: kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const stamp = Date.now().toString(36);
  const run = `spec-run-${stamp}.`;
  const neighbour = `spec-run-${stamp}x.`;

  beforeAll(async () => {
    await admin.connect();
    const topics = [`${run}traffic.samples.v1`, `${run}traffic.samples.v1.dlq`, `${neighbour}traffic.samples.v1`];
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: false });
    await waitForLeaders(admin, topics);
    // A group that consumed and left, as a bench's consumers do before it cleans up.
    const consumer = kafka.consumer({ groupId: `${run}bench-reader` });
    await consumer.connect();
    await consumer.subscribe({ topic: `${run}traffic.samples.v1`, fromBeginning: true });
    await consumer.run({ eachMessage: async () => undefined });
    await consumer.disconnect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [`${neighbour}traffic.samples.v1`] }).catch(() => undefined);
    await admin.disconnect();
  });

  it("deletes the run's topics and consumer groups, and nothing named otherwise", async () => {
    const said: string[] = [];
    await removeRunTopics(kafkaBrokers, run, { log: (line) => said.push(line) });

    // A deletion the controller took reaches the broker's metadata a moment later: a busy broker listed them once more.
    await expectEventually(async () => expect((await admin.listTopics()).filter((topic) => topic.startsWith(`spec-run-${stamp}`))).toStrictEqual([`${neighbour}traffic.samples.v1`]));
    const groups = (await admin.listGroups()).groups.map((group) => group.groupId);
    expect(groups).not.toContain(`${run}bench-reader`);
    expect(said).toStrictEqual([`removed this run's 2 topics and 1 consumer groups (${run}*) from the broker`]);
  });

  it('refuses an empty prefix, which would name every deployment’s topics', async () => {
    await expect(removeRunTopics(kafkaBrokers, '')).rejects.toThrow(/needs the run's topic prefix/);
  });

  it('says what it could not do rather than failing the run that called it', async () => {
    const said: string[] = [];
    await removeRunTopics(['127.0.0.1:1'], run, { log: (line) => said.push(line) });
    expect(said.join('\n')).toMatch(/could not remove this run's topics \(spec-run-.*\*\): .*They stay on the broker/);
  });
});
