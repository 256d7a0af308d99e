import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The gate keeps the unreleased holds in memory and asks PostgreSQL, in the statement of every
 * question, only whether they changed: `hold_set_version` holds one number, replaced from a
 * sequence (so a value never comes back) by every transaction that writes a hold column the gate
 * reads, in that same transaction. A statement that sees a hold's commit therefore sees a number
 * the gate has not kept, and reloads. The trigger is deferred to commit, so a surge's transaction
 * locks the row only while it commits, not while it fans out; TRUNCATE bumps it too.
 */
export class HoldSetVersion1765100000000 implements MigrationInterface {
  name = 'HoldSetVersion1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE SEQUENCE hold_set_version_seq');
    await queryRunner.query(`CREATE TABLE hold_set_version (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version bigint NOT NULL)`);
    await queryRunner.query(`INSERT INTO hold_set_version (version) VALUES (nextval('hold_set_version_seq'))`);
    // The function keeps the migration's search path: a session with another one still writes holds.
    await queryRunner.query(`
      CREATE FUNCTION hold_set_changed() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
      BEGIN
        UPDATE hold_set_version SET version = nextval('hold_set_version_seq');
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE CONSTRAINT TRIGGER hold_set_changed
        AFTER INSERT OR DELETE OR UPDATE OF id, regions, reason, source, placed_at, from_at, until_at, released_at ON hold
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hold_set_changed()`);
    await queryRunner.query('CREATE TRIGGER hold_set_truncated AFTER TRUNCATE ON hold FOR EACH STATEMENT EXECUTE FUNCTION hold_set_changed()');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TRIGGER hold_set_truncated ON hold');
    await queryRunner.query('DROP TRIGGER hold_set_changed ON hold');
    await queryRunner.query('DROP FUNCTION hold_set_changed()');
    await queryRunner.query('DROP TABLE hold_set_version');
    await queryRunner.query('DROP SEQUENCE hold_set_version_seq');
  }
}
