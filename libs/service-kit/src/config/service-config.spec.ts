import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decimalVariable } from '@holdfast/observability';
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
      { SURGE_THRESHOLD: decimalVariable({ above: 0 }).default(1_000) },
    );
    expect(config).toMatchObject({ port: 8080, logLevel: 'debug', own: { SURGE_THRESHOLD: 250 } });
    expect(config.database).toEqual({ url: 'postgresql://u:p@db:5432/h', schema: 'maintenance_planner', poolSize: 9, connectWaitMs: 2_500 });
    expect(config.kafka).toEqual({ brokers: ['k1:9092', 'k2:9092'], clientId: 'maintenance-planner', topicPrefix: 'staging.', maxMessageBytes: 1_048_576, connectWaitMs: 0 });
    expect(config.outbox).toEqual({ retentionMs: 30 * 60_000 });
    expect(() => serviceConfigFromEnvironment(identity, { KAFKA_CONNECT_WAIT_SECONDS: '3601' })).toThrow(/\n {2}KAFKA_CONNECT_WAIT_SECONDS="3601": must be a number of seconds from 0 to 3600\n/);
    expect(serviceConfigFromEnvironment(identity, { LISTEN_ADDRESS: '::1' }).listenAddress).toBe('::1');
    expect(() => serviceConfigFromEnvironment(identity, { LISTEN_ADDRESS: 'localhost' })).toThrow(/LISTEN_ADDRESS="localhost": must be an IP address to listen on: 0\.0\.0\.0 .*127\.0\.0\.1 \(this machine only\)/);
    expect(serviceConfigFromEnvironment(identity, { HOLDFAST_IDEMPOTENCY_KEY_HOURS: '72' }).limits.idempotencyKeyHours).toBe(72);
    expect(() => serviceConfigFromEnvironment(identity, { HOLDFAST_IDEMPOTENCY_KEY_HOURS: '0' })).toThrow(/HOLDFAST_IDEMPOTENCY_KEY_HOURS="0": must be a number of hours from 0\.01 to 720\n/);
  });

  it('reads which proxies name the client as Express takes them, refusing a value that would believe any caller', () => {
    const trustOf = (value: string) => serviceConfigFromEnvironment(identity, { HOLDFAST_TRUST_PROXY: value }).limits.trustProxy;
    expect(trustOf('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
    expect(trustOf('2')).toBe(2);
    expect(trustOf('false')).toBe(false);
    expect(() => trustOf('true')).toThrow(/HOLDFAST_TRUST_PROXY="true": true would believe any X-Forwarded-For a caller sends: name the proxies/);
    expect(() => trustOf('loopback, proxy.internal')).toThrow(/HOLDFAST_TRUST_PROXY="loopback, proxy.internal": invalid IP address: proxy\.internal: give addresses or subnets/);
    expect(serviceConfigFromEnvironment(identity, { HOLDFAST_AUTH_FAILURES_PER_MINUTE: '0' }).limits.authFailuresPerMinute).toBe(0);
  });

  it('refuses a bad environment with every problem named and where the defaults are', () => {
    expect(() => serviceConfigFromEnvironment(identity, { PORT: 'eighty', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'no-port', KAFKA_TOPIC_PREFIX: 'Staging!', OUTBOX_RETENTION_HOURS: '0' })).toThrow(
      /maintenance-planner: invalid configuration:\n {2}PORT="eighty": must be a whole number from 1 to 65535, written in decimal digits\n {2}DATABASE_URL="mysql:\/\/x": must be a postgres:\/\/ or postgresql:\/\/ URL, such as .*\n {2}KAFKA_BROKERS="no-port": each broker must be host:port, such as 127\.0\.0\.1:19092, not no-port\n {2}KAFKA_TOPIC_PREFIX="Staging!": .*\n {2}OUTBOX_RETENTION_HOURS="0": must be a number of hours > 0\nFix the variables above \(README.md lists each with its default\)\./,
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
      new RegExp(`\n {2}DATABASE_TLS_CA_FILE="${certificates}": must name a file this process can read: it is not a file\n {2}KAFKA_TLS_CA_FILE="/nonexistent/kafka-ca.pem": must name a file this process can read: it does not exist\n`),
    );
  });

  it('refuses a DATABASE_URL whose TLS parameters would override DATABASE_TLS unseen', () => {
    for (const query of ['sslmode=disable', 'sslmode=no-verify', 'ssl=true', 'sslrootcert=/etc/ca.pem', 'sslnegotiation=direct', 'sslpassword=x']) {
      expect(() => serviceConfigFromEnvironment(identity, { DATABASE_URL: `postgres://u@db:5432/h?${query}`, DATABASE_TLS: 'verify-full' })).toThrow(
        new RegExp(`DATABASE_URL="postgres://u@db:5432/h\\?${query}": must not carry TLS parameters \\(${query.split('=')[0]}\\), which would override DATABASE_TLS unseen: remove them and set DATABASE_TLS`),
      );
    }
    expect(() => serviceConfigFromEnvironment(identity, { DATABASE_URL: 'postgres://u@db:5432/h?sslmode=require&application_name=x&sslcert=/c.pem' })).toThrow(/TLS parameters \(sslmode, sslcert\)/);
    expect(serviceConfigFromEnvironment(identity, { DATABASE_URL: 'postgres://u@db:5432/h?application_name=x' }).database.url).toBe('postgres://u@db:5432/h?application_name=x');
    expect(() => serviceConfigFromEnvironment(identity, { DATABASE_URL: 'not a url' })).toThrow(/invalid configuration:\n {2}DATABASE_URL="not a url": must be a postgres:\/\/ or postgresql:\/\/ URL/);
  });

  it('refuses a SASL mechanism without its credentials, naming both', () => {
    expect(() => serviceConfigFromEnvironment(identity, { KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toThrow(
      /KAFKA_SASL_USERNAME \(unset\): is required when KAFKA_SASL_MECHANISM is scram-sha-256\n {2}KAFKA_SASL_PASSWORD \(unset\): is required/,
    );
  });
});

describe('a refusal at start', () => {
  const refusal = (environment: NodeJS.ProcessEnv): string => {
    try {
      serviceConfigFromEnvironment(identity, environment);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the environment was accepted');
  };

  it('quotes the number or choice it read', () => {
    expect(refusal({ DATABASE_POOL_SIZE: 'ten', LOG_LEVEL: 'verbose', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' })).toBe(
      [
        'maintenance-planner: invalid configuration:',
        '  LOG_LEVEL="verbose": must be one of fatal, error, warn, info, debug, trace, silent',
        '  DATABASE_POOL_SIZE="ten": must be a whole number of connections from 1 to 50, written in decimal digits',
        '  KAFKA_SASL_MECHANISM="SCRAM-SHA-256": must be one of none, scram-sha-256, scram-sha-512, plain',
        'Fix the variables above (README.md lists each with its default).',
      ].join('\n'),
    );
  });

  it('refuses a number Number() would read in another form: hex, binary, an exponent, white space', () => {
    expect(refusal({ PORT: '0x1f90', DATABASE_CONNECT_WAIT_SECONDS: '3e1', HOLDFAST_MAX_BODY_BYTES: '0b10000000000', HOLDFAST_RATE_LIMIT_PER_MINUTE: ' 60' })).toBe(
      [
        'maintenance-planner: invalid configuration:',
        '  PORT="0x1f90": must be a whole number from 1 to 65535, written in decimal digits',
        '  DATABASE_CONNECT_WAIT_SECONDS="3e1": must be a number of seconds from 0 to 3600, written in decimal digits (such as 2.5)',
        '  HOLDFAST_RATE_LIMIT_PER_MINUTE=" 60": must be a whole number ≥ 0, written in decimal digits',
        '  HOLDFAST_MAX_BODY_BYTES="0b10000000000": must be a whole number of bytes from 1024 to 67108864, written in decimal digits',
        'Fix the variables above (README.md lists each with its default).',
      ].join('\n'),
    );
    expect(serviceConfigFromEnvironment(identity, { PORT: '8080', DATABASE_CONNECT_WAIT_SECONDS: '2.5' })).toMatchObject({ port: 8080, database: { connectWaitMs: 2_500 } });
  });

  it('never quotes a secret: the bootstrap key, the SASL password, the password in DATABASE_URL', () => {
    const said = refusal({ HOLDFAST_BOOTSTRAP_KEY: 'hunter2 hunter2', DATABASE_URL: 'postgres://holdfast:hunter2@db:5432/h?sslmode=require', KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_PASSWORD: 'hunter2' });
    expect(said).toContain('\n  DATABASE_URL="postgres://holdfast:***@db:5432/h?sslmode=require": must not carry TLS parameters (sslmode)');
    expect(said).toContain('\n  HOLDFAST_BOOTSTRAP_KEY (a secret, not shown): the bootstrap key must be at least 32 characters');
    expect(said).not.toContain('hunter2');
  });

  it('names a variable that reads as a slip of one in the same block as the other refusals', () => {
    expect(refusal({ HOLDFAST_RATE_LIMIT_PER_MINUTE: '-1', DATABSE_URL: 'postgres://db/h' })).toBe(
      [
        'maintenance-planner: invalid configuration:',
        '  HOLDFAST_RATE_LIMIT_PER_MINUTE="-1": must be a whole number ≥ 0, written in decimal digits',
        '  DATABSE_URL is not a variable maintenance-planner reads, so it is ignored; did you mean DATABASE_URL?',
        'Fix the variables above (README.md lists each with its default).',
      ].join('\n'),
    );
    // Not a refusal of its own: a start that goes on says it as a warning (define-service).
    expect(serviceConfigFromEnvironment(identity, { DATABSE_URL: 'postgres://db/h' }).port).toBe(3001);
  });
});
