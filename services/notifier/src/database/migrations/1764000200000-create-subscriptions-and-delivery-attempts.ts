import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscriptions, deliveries owed to them with every attempt, and what the Grafana and
 * Alertmanager channels must remember between a hold's placement and its release. The
 * foundation's 'log' deliveries were a placeholder: they are dropped, not migrated.
 */
export class CreateSubscriptionsAndDeliveryAttempts1764000200000 implements MigrationInterface {
  name = 'CreateSubscriptionsAndDeliveryAttempts1764000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE delivery');
    await queryRunner.query(`
      CREATE TABLE subscription (
        id uuid PRIMARY KEY,
        owner_team text NOT NULL,
        channel text NOT NULL CHECK (channel IN ('webhook', 'slack', 'grafana', 'alertmanager')),
        target text NOT NULL,
        sealed_secret text,
        filters jsonb NOT NULL,
        description text,
        enabled boolean NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deleted_at timestamptz
      )`);
    await queryRunner.query(`
      CREATE TABLE delivery (
        id uuid PRIMARY KEY,
        seq bigserial NOT NULL UNIQUE,
        subscription_id uuid NOT NULL REFERENCES subscription (id),
        channel text NOT NULL,
        target_key text NOT NULL,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        event_time timestamptz NOT NULL,
        correlation_id text NOT NULL,
        ordering_key text NOT NULL,
        event jsonb NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'dead', 'cancelled')),
        attempts int NOT NULL,
        next_attempt_at timestamptz NOT NULL,
        lease_until timestamptz,
        recorded_at timestamptz NOT NULL,
        delivered_at timestamptz,
        last_error text,
        UNIQUE (event_id, subscription_id)
      )`);
    // A queue table: every delivery is updated two or three times, and the partial indexes the worker
    // claims through fill with dead entries unless vacuum keeps up, so it runs early and unthrottled.
    await queryRunner.query('ALTER TABLE delivery SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_threshold = 500, autovacuum_vacuum_cost_delay = 0)');
    await queryRunner.query("CREATE INDEX delivery_due ON delivery (next_attempt_at) WHERE status IN ('pending', 'sending')");
    await queryRunner.query("CREATE INDEX delivery_open_by_target ON delivery (target_key, seq) WHERE status IN ('pending', 'sending')");
    await queryRunner.query("CREATE INDEX delivery_open_by_key ON delivery (subscription_id, ordering_key, seq) WHERE status IN ('pending', 'sending')");
    await queryRunner.query('CREATE INDEX delivery_correlation ON delivery (correlation_id)');
    await queryRunner.query('CREATE INDEX delivery_by_status ON delivery (status, seq)');
    await queryRunner.query(`
      CREATE TABLE delivery_attempt (
        id uuid PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES delivery (id) ON DELETE CASCADE,
        number int NOT NULL,
        started_at timestamptz NOT NULL,
        duration_ms int NOT NULL,
        status_code int,
        error text,
        outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'dead')),
        UNIQUE (delivery_id, number)
      )`);
    await queryRunner.query(`
      CREATE TABLE grafana_annotation (
        subscription_id uuid NOT NULL REFERENCES subscription (id),
        hold_id uuid NOT NULL,
        annotation_id bigint NOT NULL,
        PRIMARY KEY (subscription_id, hold_id)
      )`);
    await queryRunner.query(`
      CREATE TABLE hold_alert (
        subscription_id uuid NOT NULL REFERENCES subscription (id),
        hold_id uuid NOT NULL,
        alerts jsonb NOT NULL,
        active boolean NOT NULL,
        refresh_at timestamptz NOT NULL,
        PRIMARY KEY (subscription_id, hold_id)
      )`);
    await queryRunner.query('CREATE INDEX hold_alert_due ON hold_alert (refresh_at) WHERE active');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE hold_alert');
    await queryRunner.query('DROP TABLE grafana_annotation');
    await queryRunner.query('DROP TABLE delivery_attempt');
    await queryRunner.query('DROP TABLE delivery');
    await queryRunner.query('DROP TABLE subscription');
    await queryRunner.query(`
      CREATE TABLE delivery (
        id uuid PRIMARY KEY,
        event_id uuid NOT NULL,
        event_type text NOT NULL,
        correlation_id text NOT NULL,
        channel text NOT NULL,
        status text NOT NULL CHECK (status IN ('recorded', 'delivered', 'failed')),
        summary text NOT NULL,
        recorded_at timestamptz NOT NULL,
        payload jsonb NOT NULL,
        UNIQUE (event_id, channel)
      )`);
    await queryRunner.query('CREATE INDEX delivery_correlation ON delivery (correlation_id)');
  }
}
