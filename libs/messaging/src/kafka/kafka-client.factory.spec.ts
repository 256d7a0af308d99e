import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogWriter } from './kafka-client.factory';

/** What the writer logs for each entry, at the given instants (ms), one per entry, 0 throughout by default. */
function written(entries: Omit<LogEntry, 'label'>[], at: number[] = []): [string, string][] {
  const lines: [string, string][] = [];
  const record = (level: string) => (_fields: object, message: string) => void lines.push([level, message]);
  let index = 0;
  const write = kafkaLogWriter({ debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') }, () => at[index] ?? 0);
  for (; index < entries.length; index++) write({ label: logLevel[entries[index].level], ...entries[index] });
  return lines;
}

const refused = (message = 'Connection error: connect ECONNREFUSED 127.0.0.1:19092'): Omit<LogEntry, 'label'> => ({ namespace: 'Connection', level: logLevel.ERROR, log: { timestamp: '', message } });

const response = (error: string): Omit<LogEntry, 'label'> => ({
  namespace: 'Connection',
  level: logLevel.ERROR,
  log: { timestamp: '2026-12-02T08:19:50.943Z', message: 'Response ListOffsets(key: 2, version: 3)', error, correlationId: 7, size: 60 },
});

describe('kafkaLogWriter', () => {
  it('logs a response kafkajs retries because a partition has no leader yet at debug, not as an error', () => {
    expect(written([response('This server is not the leader for that topic-partition'), response('There is no leader for this topic-partition as we are in the middle of a leadership election')])).toEqual([
      ['debug', 'Response ListOffsets(key: 2, version: 3)'],
      ['debug', 'Response ListOffsets(key: 2, version: 3)'],
    ]);
  });

  it('logs a refused topic creation at debug: provisionTopics takes a topic another service created first as done and throws any other refusal', () => {
    const creation = { namespace: 'Connection', level: logLevel.ERROR, log: { timestamp: '', message: 'Response CreateTopics(key: 19, version: 3)', error: 'Topic creation errors', correlationId: 4, size: 248 } };
    expect(written([creation])).toEqual([['debug', 'Response CreateTopics(key: 19, version: 3)']]);
  });

  it('keeps as errors the refusals a retry does not cure, and every other error, warning and line at its level', () => {
    expect(
      written([
        response('Not authorized to access topics: [Topic authorization failed]'),
        { namespace: 'Connection', level: logLevel.ERROR, log: { timestamp: '', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:19092' } },
        { namespace: 'Consumer', level: logLevel.ERROR, log: { timestamp: '', message: 'Crash: KafkaJSNumberOfRetriesExceeded: This server is not the leader for that topic-partition' } },
        { namespace: 'Runner', level: logLevel.WARN, log: { timestamp: '', message: 'The group is rebalancing, re-joining' } },
        { namespace: 'Consumer', level: logLevel.INFO, log: { timestamp: '', message: 'Starting' } },
      ]),
    ).toEqual([
      ['error', 'Response ListOffsets(key: 2, version: 3)'],
      ['error', 'Connection error: connect ECONNREFUSED 127.0.0.1:19092 (kafkajs keeps trying; further connection failures in the next 30 s are logged at debug)'],
      ['error', 'Crash: KafkaJSNumberOfRetriesExceeded: This server is not the leader for that topic-partition'],
      ['warn', 'The group is rebalancing, re-joining'],
      ['debug', 'Starting'],
    ]);
  });

  it("logs kafkajs's warning that an idempotent producer's retries are bounded at debug: the bound is deliberate and a resend is taken once by event id", () => {
    expect(written([{ namespace: 'Producer', level: logLevel.WARN, log: { timestamp: '', message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees' } }])).toEqual([
      ['debug', 'Limiting retries for the idempotent producer may invalidate EoS guarantees'],
    ]);
  });

  it('logs one connection failure in 30 s as an error while the broker is away, the rest at debug', () => {
    const outage = [refused(), refused('Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:19092'), refused(), refused()];
    const levels = written(outage, [0, 2_000, 29_999, 30_000]).map(([level]) => level);
    expect(levels).toEqual(['error', 'debug', 'debug', 'error']);
  });

  it("logs one consumer's crash for want of the broker in 30 s as an error, with its restart; the rest, restarts included, at debug; any other crash always", () => {
    const crash = (groupId: string, message = 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:19092'): Omit<LogEntry, 'label'> => ({
      namespace: 'Consumer',
      level: logLevel.ERROR,
      log: { timestamp: '', message, groupId },
    });
    const restart = (groupId: string): Omit<LogEntry, 'label'> => ({ namespace: 'Consumer', level: logLevel.ERROR, log: { timestamp: '', message: 'Restarting the consumer in 2000ms', groupId } });
    const lines = written(
      [crash('a'), restart('a'), crash('b'), restart('b'), crash('a', 'Crash: KafkaJSNonRetriableError: Invalid record'), restart('a'), crash('a'), restart('a'), crash('b'), restart('b')],
      [0, 0, 2_000, 2_000, 4_000, 4_000, 6_000, 6_000, 31_000, 31_000],
    );
    expect(lines).toEqual([
      ['error', 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:19092 (the consumer restarts until the broker answers; further such crashes in the next 30 s are logged at debug)'],
      ['error', 'Restarting the consumer in 2000ms'],
      ['debug', 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:19092'],
      ['debug', 'Restarting the consumer in 2000ms'],
      ['error', 'Crash: KafkaJSNonRetriableError: Invalid record'],
      ['error', 'Restarting the consumer in 2000ms'],
      ['debug', 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:19092'],
      ['debug', 'Restarting the consumer in 2000ms'],
      ['error', 'Crash: KafkaJSNumberOfRetriesExceeded: Connection error: connect ECONNREFUSED 127.0.0.1:19092 (the consumer restarts until the broker answers; further such crashes in the next 30 s are logged at debug)'],
      ['error', 'Restarting the consumer in 2000ms'],
    ]);
  });
});
