import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import { errorCodes } from 'kafkajs/src/protocol/error';
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
    logCreator: () => kafkaLogWriter(logger),
  });
}

// kafkajs logs every failed response at ERROR before it retries the request itself.
const RETRIED_RESPONSE_ERRORS: ReadonlySet<string> = new Set(errorCodes.filter((error) => error.retriable).map((error) => error.message));

/**
 * kafkajs's log lines at the service logger's levels. A response refused with a retriable protocol
 * error (a new topic's partition whose leader is still being elected: "This server is not the leader
 * for that topic-partition") is routine and goes to debug; should the retries run out, the caller
 * gets the error and says so.
 */
export function kafkaLogWriter(logger: MessagingLogger): (entry: LogEntry) => void {
  return ({ namespace, level, log }) => {
    const { message, ...fields } = log;
    const entry = { kafkajs: namespace, ...fields };
    const retried = message.startsWith('Response ') && typeof fields.error === 'string' && RETRIED_RESPONSE_ERRORS.has(fields.error);
    if (level === logLevel.ERROR && !retried) logger.error(entry, message);
    else if (level === logLevel.WARN) logger.warn(entry, message);
    else logger.debug(entry, message);
  };
}

/** SASL and TLS as kafkajs takes them; nothing for the plaintext local broker. */
function securityOf(settings: KafkaSettings): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const ssl = settings.tls ? (settings.tls.caFile ? { ca: [readFileSync(settings.tls.caFile, 'utf8')] } : true) : undefined;
  const sasl = settings.sasl ? ({ mechanism: settings.sasl.mechanism, username: settings.sasl.username, password: settings.sasl.password } as KafkaConfig['sasl']) : undefined;
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
