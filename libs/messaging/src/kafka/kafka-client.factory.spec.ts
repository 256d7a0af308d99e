import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaLogWriter } from './kafka-client.factory';

function written(entries: Omit<LogEntry, 'label'>[]): [string, string][] {
  const lines: [string, string][] = [];
  const record = (level: string) => (_fields: object, message: string) => void lines.push([level, message]);
  const write = kafkaLogWriter({ debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') });
  for (const entry of entries) write({ label: logLevel[entry.level], ...entry });
  return lines;
}

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

  it('keeps as errors the refusals a retry does not cure, and every other error, warning and line at its level', () => {
    expect(
      written([
        response('Not authorized to access topics: [Topic authorization failed]'),
        { namespace: 'Connection', level: logLevel.ERROR, log: { timestamp: '', message: 'Connection error: connect ECONNREFUSED 127.0.0.1:19092', error: 'This server is not the leader for that topic-partition' } },
        { namespace: 'Consumer', level: logLevel.ERROR, log: { timestamp: '', message: 'Crash: KafkaJSNumberOfRetriesExceeded: This server is not the leader for that topic-partition' } },
        { namespace: 'Runner', level: logLevel.WARN, log: { timestamp: '', message: 'The group is rebalancing, re-joining' } },
        { namespace: 'Consumer', level: logLevel.INFO, log: { timestamp: '', message: 'Starting' } },
      ]),
    ).toEqual([
      ['error', 'Response ListOffsets(key: 2, version: 3)'],
      ['error', 'Connection error: connect ECONNREFUSED 127.0.0.1:19092'],
      ['error', 'Crash: KafkaJSNumberOfRetriesExceeded: This server is not the leader for that topic-partition'],
      ['warn', 'The group is rebalancing, re-joining'],
      ['debug', 'Starting'],
    ]);
  });
});
