import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { serviceConfigFromEnvironment } from './service-config';

const certificates = mkdtempSync(join(tmpdir(), 'holdfast-ca-'));
const caFile = (name: string) => {
  const path = join(certificates, name);
  writeFileSync(path, '-----BEGIN CERTIFICATE-----\n');
  return path;
};

const identity = { service: 'maintenance-planner', schema: 'maintenance_planner', defaultPort: 3001 };

describe('serviceConfigFromEnvironment', () => {
  it('gives the documented defaults for an empty environment', () => {
    expect(serviceConfigFromEnvironment(identity, {})).toEqual({
      port: 3001,
      listenAddress: '0.0.0.0',
      logLevel: 'info',
      database: { url: 'postgres://postgres@127.0.0.1:5432/postgres', schema: 'maintenance_planner', poolSize: 5, connectWaitMs: 30_000 },
      kafka: { brokers: ['127.0.0.1:19092'], clientId: 'maintenance-planner', topicPrefix: '', maxMessageBytes: 1_048_576, connectWaitMs: 60_000 },
      outbox: { retentionMs: 24 * 3_600_000 },
      ledger: { retentionMs: 7 * 86_400_000 },
      auth: { bootstrap: null },
      limits: { requestsPerMinute: 1_200, authFailuresPerMinute: 60, trustProxy: false, maxBodyBytes: 1_048_576, idempotencyKeyHours: 24 },
      own: {},
    });
  });

  it('reads every variable, and a service its own', () => {
    const config = serviceConfigFromEnvironment(
      identity,
      { PORT: '8080', LOG_LEVEL: 'debug', DATABASE_URL: 'postgresql://u:p@db:5432/h', DATABASE_POOL_SIZE: '9', DATABASE_CONNECT_WAIT_SECONDS: '2.5', KAFKA_BROKERS: 'k1:9092, k2:9092', KAFKA_CONNECT_WAIT_SECONDS: '0', KAFKA_TOPIC_PREFIX: 'staging.', OUTBOX_RETENTION_HOURS: '0.5', SURGE_THRESHOLD: '250' },
      { SURGE_THRESHOLD: z.coerce.number().positive().default(1_000) },
    );
    expect(config).toMatchObject({ port: 8080, logLevel: 'debug', own: { SURGE_THRESHOLD: 250 } });
    expect(config.database).toEqual({ url: 'postgresql://u:p@db:5432/h', schema: 'maintenance_planner', poolSize: 9, connectWaitMs: 2_500 });
    expect(config.kafka).toEqual({ brokers: ['k1:9092', 'k2:9092'], clientId: 'maintenance-planner', topicPrefix: 'staging.', maxMessageBytes: 1_048_576, connectWaitMs: 0 });
    expect(config.outbox).toEqual({ retentionMs: 30 * 60_000 });
    expect(() => serviceConfigFromEnvironment(identity, { KAFKA_CONNECT_WAIT_SECONDS: '3601' })).toThrow(/KAFKA_CONNECT_WAIT_SECONDS: must be at most 3600/);
    expect(serviceConfigFromEnvironment(identity, { LISTEN_ADDRESS: '::1' }).listenAddress).toBe('::1');
    expect(() => serviceConfigFromEnvironment(identity, { LISTEN_ADDRESS: 'localhost' })).toThrow(/LISTEN_ADDRESS: must be an IP address to listen on: 0\.0\.0\.0 .*127\.0\.0\.1 \(this machine only\)/);
    expect(serviceConfigFromEnvironment(identity, { HOLDFAST_IDEMPOTENCY_KEY_HOURS: '72' }).limits.idempotencyKeyHours).toBe(72);
    expect(() => serviceConfigFromEnvironment(identity, { HOLDFAST_IDEMPOTENCY_KEY_HOURS: '0' })).toThrow(/HOLDFAST_IDEMPOTENCY_KEY_HOURS: must be at least 0\.01/);
  });

  it('reads which proxies name the client as Express takes them, refusing a value that would believe any caller', () => {
    const trustOf = (value: string) => serviceConfigFromEnvironment(identity, { HOLDFAST_TRUST_PROXY: value }).limits.trustProxy;
    expect(trustOf('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
    expect(trustOf('2')).toBe(2);
    expect(trustOf('false')).toBe(false);
    expect(() => trustOf('true')).toThrow(/HOLDFAST_TRUST_PROXY: true would believe any X-Forwarded-For a caller sends: name the proxies/);
    expect(() => trustOf('loopback, proxy.internal')).toThrow(/HOLDFAST_TRUST_PROXY: invalid IP address: proxy\.internal: give addresses or subnets/);
    expect(serviceConfigFromEnvironment(identity, { HOLDFAST_AUTH_FAILURES_PER_MINUTE: '0' }).limits.authFailuresPerMinute).toBe(0);
  });

  it('refuses a bad environment with every problem named and where the defaults are', () => {
    expect(() => serviceConfigFromEnvironment(identity, { PORT: 'eighty', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'no-port', KAFKA_TOPIC_PREFIX: 'Staging!', OUTBOX_RETENTION_HOURS: '0' })).toThrow(
      /maintenance-planner: invalid configuration:\n {2}PORT: must be a number\n {2}DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL, such as .*\n {2}KAFKA_BROKERS.*: each broker is host:port\n {2}KAFKA_TOPIC_PREFIX: .*\n {2}OUTBOX_RETENTION_HOURS: .*\nFix the variables above \(README.md lists each with its default\)\./,
    );
  });

  it('reads Kafka SASL and TLS and PostgreSQL TLS, all off by default', () => {
    const config = serviceConfigFromEnvironment(identity, {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'holdfast',
      KAFKA_SASL_PASSWORD: 'kafka-secret',
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: caFile('kafka-ca.pem'),
      DATABASE_TLS: 'verify-full',
      DATABASE_TLS_CA_FILE: caFile('pg-ca.pem'),
    });
    expect(config.kafka).toMatchObject({ sasl: { mechanism: 'scram-sha-512', username: 'holdfast', password: 'kafka-secret' }, tls: { caFile: join(certificates, 'kafka-ca.pem') } });
    expect(config.database.tls).toEqual({ verify: true, caFile: join(certificates, 'pg-ca.pem') });
    expect(serviceConfigFromEnvironment(identity, { DATABASE_TLS: 'require' }).database.tls).toEqual({ verify: false });
    const plain = serviceConfigFromEnvironment(identity, {});
    expect(plain.kafka).not.toHaveProperty('sasl');
    expect(plain.kafka).not.toHaveProperty('tls');
    expect(plain.database).not.toHaveProperty('tls');
  });

  it('refuses a CA file that is not there at boot, naming its variable and the path, rather than at the first connection', () => {
    expect(() => serviceConfigFromEnvironment(identity, { KAFKA_TLS: 'true', KAFKA_TLS_CA_FILE: '/nonexistent/kafka-ca.pem', DATABASE_TLS: 'verify-full', DATABASE_TLS_CA_FILE: certificates })).toThrow(
      /\n {2}DATABASE_TLS_CA_FILE: must name a file this process can read: .* is not a file\n {2}KAFKA_TLS_CA_FILE: must name a file this process can read: \/nonexistent\/kafka-ca.pem does not exist\n/,
    );
  });

  it('refuses a DATABASE_URL whose TLS parameters would override DATABASE_TLS unseen', () => {
    for (const query of ['sslmode=disable', 'sslmode=no-verify', 'ssl=true', 'sslrootcert=/etc/ca.pem', 'sslnegotiation=direct', 'sslpassword=x']) {
      expect(() => serviceConfigFromEnvironment(identity, { DATABASE_URL: `postgres://u@db:5432/h?${query}`, DATABASE_TLS: 'verify-full' })).toThrow(
        new RegExp(`DATABASE_URL: must not carry TLS parameters \\(${query.split('=')[0]}\\), which would override DATABASE_TLS unseen: remove them and set DATABASE_TLS`),
      );
    }
    expect(() => serviceConfigFromEnvironment(identity, { DATABASE_URL: 'postgres://u@db:5432/h?sslmode=require&application_name=x&sslcert=/c.pem' })).toThrow(/TLS parameters \(sslmode, sslcert\)/);
    expect(serviceConfigFromEnvironment(identity, { DATABASE_URL: 'postgres://u@db:5432/h?application_name=x' }).database.url).toBe('postgres://u@db:5432/h?application_name=x');
    expect(() => serviceConfigFromEnvironment(identity, { DATABASE_URL: 'not a url' })).toThrow(/invalid configuration:\n {2}DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('refuses a SASL mechanism without its credentials, naming both', () => {
    expect(() => serviceConfigFromEnvironment(identity, { KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toThrow(
      /KAFKA_SASL_USERNAME: is required when KAFKA_SASL_MECHANISM is scram-sha-256\n {2}KAFKA_SASL_PASSWORD: is required/,
    );
  });
});
