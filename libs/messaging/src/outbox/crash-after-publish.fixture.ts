/**
 * A relay that crashes for real: run in a child process by outbox-relay.integration-spec.ts, it
 * SIGKILLs itself once Kafka has acknowledged its first batch and before it marks the rows.
 * Arguments: database url, schema, brokers (comma list), topic prefix.
 */
import { DataSource } from 'typeorm';
import { createKafka } from '../kafka/kafka-client.factory';
import { EventPublisher } from '../kafka/event-publisher';
import { silentLogger } from '../kafka/messaging-logger';
import { OutboxRelay } from './outbox-relay';

async function crashAfterFirstPublish(): Promise<void> {
  const [url, schema, brokers, topicPrefix] = process.argv.slice(2);
  const dataSource = new DataSource({ type: 'postgres', url, schema, extra: { max: 2, options: `-c search_path=${schema}` } });
  await dataSource.initialize();
  const settings = { brokers: brokers.split(','), clientId: 'crashing-relay', topicPrefix };
  const publisher = new EventPublisher(createKafka(settings, silentLogger), settings);
  await publisher.connect();
  const relay = new OutboxRelay({
    dataSource,
    publisher,
    logger: silentLogger,
    afterPublish: (eventIds) => {
      process.stdout.write(`published ${eventIds.join(',')}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  });
  relay.start();
}

crashAfterFirstPublish().catch((error: Error) => {
  process.stderr.write(`crashing relay failed before its crash: ${error.stack}\n`);
  process.exit(2);
});
