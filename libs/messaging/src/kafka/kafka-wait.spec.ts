import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaFailure, worthWaitingFor } from './kafka-wait';

const local = { brokers: ['127.0.0.1:19092'], clientId: 'kafka-wait-spec', topicPrefix: '' };
const cluster = { ...local, brokers: ['kafka-1.prod:9093', 'kafka-2.prod:9093'] };
// How kafkajs hands over a connection failure once its retries are spent: the failure as the cause.
const givenUp = (failure: Error) => new KafkaJSNumberOfRetriesExceeded(failure, { retryCount: 0, retryTime: 100 });
const refused = givenUp(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED 127.0.0.1:19092', { broker: '127.0.0.1:19092', code: 'ECONNREFUSED' }));
const untrusted = givenUp(new KafkaJSConnectionError('Connection error: self-signed certificate', { broker: 'kafka-1.prod:9093', code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }));
// kafkajs's typings give its SASL error no message argument, which its constructor needs: built by the name kafkajs gives it.
const badPassword = Object.assign(new Error('SASL SCRAM SHA256 authentication failed: invalid credentials with SASL mechanism SCRAM-SHA-256'), { name: 'KafkaJSSASLAuthenticationError' });

describe('worthWaitingFor, which failures the boot-time wait for Kafka tries again', () => {
  it.each([
    ['nothing listening', refused],
    ['a host not resolvable yet', givenUp(new KafkaJSConnectionError('Connection error: getaddrinfo ENOTFOUND kafka', { code: 'ENOTFOUND' }))],
    ['a broker that does not answer in time', givenUp(new KafkaJSConnectionError('Connection timeout'))],
  ])('waits out %s', (_what, error) => {
    expect(worthWaitingFor(error)).toBe(true);
  });

  it.each([
    ['refused SASL credentials', badPassword],
    ['a certificate TLS does not trust', untrusted],
    ['TLS to a listener that does not speak it', givenUp(new KafkaJSConnectionError('Connection error: wrong version number', { code: 'ERR_SSL_WRONG_VERSION_NUMBER' }))],
  ])('stops at once for %s, which waiting cannot fix', (_what, error) => {
    expect(worthWaitingFor(error)).toBe(false);
  });
});

describe('kafkaFailure, the line a service exits with when Kafka cannot be used', () => {
  it('tells to start the local broker only when KAFKA_BROKERS is the local default', () => {
    expect(kafkaFailure(local, refused, 60_000).message).toBe(
      'Kafka at 127.0.0.1:19092 is not usable after waiting 60 s (KAFKA_CONNECT_WAIT_SECONDS): Connection error: connect ECONNREFUSED 127.0.0.1:19092. Start the local broker with "npm run kafka:start", or point KAFKA_BROKERS at a running one.',
    );
  });

  it('tells to check that other brokers run and are reachable, not to start a local one', () => {
    const { message } = kafkaFailure(cluster, refused, 1_500);
    expect(message).toBe(
      'Kafka at kafka-1.prod:9093,kafka-2.prod:9093 is not usable after waiting 1.5 s (KAFKA_CONNECT_WAIT_SECONDS): Connection error: connect ECONNREFUSED 127.0.0.1:19092. Check that the brokers in KAFKA_BROKERS run and are reachable from here.',
    );
    expect(message).not.toContain('kafka:start');
  });

  it('names the SASL variables for refused credentials, without the password', () => {
    const { message } = kafkaFailure({ ...cluster, sasl: { mechanism: 'scram-sha-256', username: 'holdfast', password: 's3cret' } }, badPassword);
    expect(message).toBe(
      "Kafka at kafka-1.prod:9093,kafka-2.prod:9093 refused the SASL credentials (scram-sha-256, user holdfast): check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM against the broker's users.",
    );
  });

  it('names the TLS variables for a failed handshake', () => {
    expect(kafkaFailure({ ...cluster, tls: {} }, untrusted).message).toBe(
      "TLS to Kafka at kafka-1.prod:9093,kafka-2.prod:9093 failed (Connection error: self-signed certificate): check KAFKA_TLS and KAFKA_TLS_CA_FILE against the brokers' listeners and certificates.",
    );
  });
});
