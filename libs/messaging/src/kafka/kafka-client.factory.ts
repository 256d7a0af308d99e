import { Kafka, logLevel, type KafkaConfig, type LogEntry, type RetryOptions } from 'kafkajs';
import { errorCodes } from 'kafkajs/src/protocol/error';
import { readFileSync } from 'node:fs';
import type { KafkaSettings } from './kafka-settings';
import type { MessagingLogger } from './messaging-logger';

/**
 * How kafkajs retries a request or a connection, and how long a crashed consumer waits before it
 * starts again (the last of these delays). kafkajs's defaults grow to 30 s, so a consumer could
 * start again up to 30 s after its broker was back; capped at 2 s, it starts within 2 s, and the
 * group's session timeout (CONSUMER_SESSION_TIMEOUT_MS) decides when it has its partitions again
 * (README, "A broker outage").
 */
export const KAFKA_RETRY = { initialRetryTime: 100, maxRetryTime: 2_000, retries: 10 } as const;

/** kafkajs with its log lines sent to the service's logger instead of the console; `retry` is KAFKA_RETRY unless a caller retries itself. */
export function createKafka(settings: KafkaSettings, logger: MessagingLogger, retry: RetryOptions = KAFKA_RETRY): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3_000,
    retry,
    ...securityOf(settings),
    logLevel: logLevel.WARN,
    logCreator: () => kafkaLogWriter(logger),
  });
}

// kafkajs logs every failed response at ERROR before it retries the request itself.
const RETRIED_RESPONSE_ERRORS: ReadonlySet<string> = new Set(errorCodes.filter((error) => error.retriable).map((error) => error.message));

// A broker that cannot be reached: every client of the service says so on every attempt.
const CONNECTION_FAILURE = /^(Connection error|Failed to connect to seed broker)/;
/** At most one connection failure a service logs as an error in this time; the rest go to debug. */
export const CONNECTION_ERROR_EVERY_MS = 30_000;

// A consumer that crashed because the broker cannot be reached, and its restart: each consumer of the
// service crashes and restarts every couple of seconds while the broker is away.
const CRASHED_FOR_BROKER = /^Crash: .*(Connection (error|timeout)|ECONNREFUSED|ECONNRESET|EHOSTUNREACH|KafkaJSConnection|No broker available)/;
const RESTARTING = /^Restarting the consumer/;
// Said by every producer at start, since KAFKA_RETRY bounds retries so that an outage is heard of:
// a send given up on is sent again (by the relay's next round, by a caller answered 503), and a
// copy that had landed after all is applied once (by event id; a sample, by its series' time).
const BOUNDED_IDEMPOTENT_RETRIES = /^Limiting retries for the idempotent producer/;
// Said at a first start by every service but the one that creates a shared topic first. The caller
// (provisionTopics) takes "already exists" as done and throws any other refusal, naming it: logged
// here, without the topics or their reasons, it read as a failure of a start that went well.
const TOPIC_CREATION_REFUSED = /^Response CreateTopics\(/;

/**
 * kafkajs's log lines at the service logger's levels. A response refused with a retriable protocol
 * error (a new topic's partition whose leader is still being elected: "This server is not the leader
 * for that topic-partition") is routine and goes to debug; should the retries run out, the caller
 * gets the error and says so. So does a refused topic creation, which its caller judges. While the
 * broker is away, each client logged each failed connection attempt, about 30 error lines a second over the three services, and each consumer its crash and
 * restart every 2 s: one connection failure and one consumer crash (with its restart) in
 * CONNECTION_ERROR_EVERY_MS stay errors, saying so, the rest go to debug. A crash for any other
 * cause is always an error.
 */
export function kafkaLogWriter(logger: MessagingLogger, now: () => number = Date.now): (entry: LogEntry) => void {
  let lastConnectionError = Number.NEGATIVE_INFINITY;
  let lastCrashError = Number.NEGATIVE_INFINITY;
  // The groups whose last crash went to debug: their restart line follows it there.
  const quietCrashes = new Set<unknown>();
  return ({ namespace, level, log }) => {
    const { message, ...fields } = log;
    const entry = { kafkajs: namespace, ...fields };
    // A refused response its caller handles: kafkajs retries it, or provisionTopics judges it.
    const handledByCaller = message.startsWith('Response ') && typeof fields.error === 'string' && (RETRIED_RESPONSE_ERRORS.has(fields.error) || TOPIC_CREATION_REFUSED.test(message));
    if (level === logLevel.ERROR && CONNECTION_FAILURE.test(message)) {
      if (now() - lastConnectionError < CONNECTION_ERROR_EVERY_MS) return logger.debug(entry, message);
      lastConnectionError = now();
      return logger.error(entry, `${message} (kafkajs keeps trying; further connection failures in the next ${CONNECTION_ERROR_EVERY_MS / 1000} s are logged at debug)`);
    }
    if (level === logLevel.ERROR && CRASHED_FOR_BROKER.test(message)) {
      if (now() - lastCrashError < CONNECTION_ERROR_EVERY_MS) {
        quietCrashes.add(fields.groupId);
        return logger.debug(entry, message);
      }
      quietCrashes.delete(fields.groupId);
      lastCrashError = now();
      return logger.error(entry, `${message} (the consumer restarts until the broker answers; further such crashes in the next ${CONNECTION_ERROR_EVERY_MS / 1000} s are logged at debug)`);
    }
    if (level === logLevel.ERROR && RESTARTING.test(message) && quietCrashes.delete(fields.groupId)) return logger.debug(entry, message);
    if (level === logLevel.ERROR && !handledByCaller) logger.error(entry, message);
    else if (level === logLevel.WARN && !BOUNDED_IDEMPOTENT_RETRIES.test(message)) logger.warn(entry, message);
    else logger.debug(entry, message);
  };
}

/** SASL and TLS as kafkajs takes them; nothing for the plaintext local broker. */
function securityOf(settings: KafkaSettings): Pick<KafkaConfig, 'sasl' | 'ssl'> {
  const ssl = settings.tls ? (settings.tls.caFile ? { ca: [readFileSync(settings.tls.caFile, 'utf8')] } : true) : undefined;
  const sasl = settings.sasl ? ({ mechanism: settings.sasl.mechanism, username: settings.sasl.username, password: settings.sasl.password } as KafkaConfig['sasl']) : undefined;
  return { ...(ssl ? { ssl } : {}), ...(sasl ? { sasl } : {}) };
}
