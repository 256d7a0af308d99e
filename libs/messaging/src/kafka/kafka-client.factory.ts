import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { readFileSync } from 'node:fs';
import type { KafkaSettings } from './kafka-settings';
import type { MessagingLogger } from './messaging-logger';

/** kafkajs with its log lines sent to the service's logger instead of the console. */
export function createKafka(settings: KafkaSettings, logger: MessagingLogger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3_000,
    ...securityOf(settings),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, ...fields } = log;
        const entry = { kafkajs: namespace, ...fields };
        if (level === logLevel.ERROR) logger.error(entry, message);
        else if (level === logLevel.WARN) logger.warn(entry, message);
        else logger.debug(entry, message);
      },
  });
}

/** SASL and TLS as kafkajs takes them; nothing for the plaintext local broker. */
function securityOf(settings: KafkaSettings): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const ssl = settings.tls ? (settings.tls.caFile ? { ca: [readFileSync(settings.tls.caFile, 'utf8')] } : true) : undefined;
  const sasl = settings.sasl ? ({ mechanism: settings.sasl.mechanism, username: settings.sasl.username, password: settings.sasl.password } as KafkaConfig['sasl']) : undefined;
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
