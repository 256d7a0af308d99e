import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each run of a replica that took its name (NOTIFIER_REPLICA_ID), and until when it vouches for the claims it made under it:
 * renewed every poll while it holds the name or still sends what it claimed under it, deleted once neither, or on a clean
 * stop. A replica taking the name takes back the claims under it only once no other run vouches for them (ReplicaClaims):
 * before, one started in the moment between another losing the name's session and noticing it sent again what that one was
 * still sending. A claim made by the code before has no run vouching for it, and is taken back at once, as before.
 */
export class RememberReplicaRuns1769000100000 implements MigrationInterface {
  name = 'RememberReplicaRuns1769000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE replica_run (id uuid PRIMARY KEY, name text NOT NULL, vouched_until timestamptz NOT NULL)');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE replica_run');
  }
}
