import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Immutability enforced by the database, not only by the code (docs: erp-legal.md §4):
 *
 * - `audit_log` refuses UPDATE, DELETE and TRUNCATE (TRUNCATE fires no DELETE trigger, so it has its own);
 * - `inbound_events` refuses DELETE and TRUNCATE, and any UPDATE of what was received (raw body, headers,
 *   provider, provider event id); its processing state still moves;
 * - the application runs as `signbridge_app`, which does not own the tables: it cannot disable the triggers,
 *   truncate or alter anything, and has only SELECT and INSERT on the audit tables (plus DELETE on personal
 *   data, for erasure). The owner (who runs migrations) can still bypass triggers; the hash chain is what
 *   detects that.
 *
 * The role is cluster-wide, so it is created only if missing. Its name is fixed here; DATABASE_APP_ROLE may
 * name another role, which the operator then creates and grants the same way.
 */
export class Immutability1764400000002 implements MigrationInterface {
  name = 'Immutability1764400000002';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION signbridge_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% on % is not allowed: the table is append-only', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION signbridge_refuse_change()`);
    await db.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION signbridge_refuse_change()`);

    await db.query(`
      CREATE FUNCTION signbridge_inbound_event_received_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.raw_body IS DISTINCT FROM OLD.raw_body OR NEW.headers IS DISTINCT FROM OLD.headers
           OR NEW.provider IS DISTINCT FROM OLD.provider
           OR NEW.provider_event_id IS DISTINCT FROM OLD.provider_event_id THEN
          RAISE EXCEPTION 'inbound event %: what was received (raw_body, headers, provider, provider_event_id) never changes', OLD.id
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER inbound_events_received_unchanged BEFORE UPDATE ON inbound_events
        FOR EACH ROW EXECUTE FUNCTION signbridge_inbound_event_received_unchanged()`);
    await db.query(`
      CREATE TRIGGER inbound_events_no_delete BEFORE DELETE ON inbound_events
        FOR EACH ROW EXECUTE FUNCTION signbridge_refuse_change()`);
    await db.query(`
      CREATE TRIGGER inbound_events_no_truncate BEFORE TRUNCATE ON inbound_events
        FOR EACH STATEMENT EXECUTE FUNCTION signbridge_refuse_change()`);

    await db.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'signbridge_app') THEN
          BEGIN
            CREATE ROLE signbridge_app NOLOGIN;
          EXCEPTION
            WHEN duplicate_object THEN NULL; -- created meanwhile by a migration of another database
            WHEN insufficient_privilege THEN
              RAISE EXCEPTION 'role signbridge_app is missing and % may not create it', current_user
                USING HINT = 'As a superuser: CREATE ROLE signbridge_app NOLOGIN; GRANT signbridge_app TO ' || current_user;
          END;
        END IF;
        -- Explicitly, even for a superuser (pg_has_role would say yes), so the grant outlives a change of owner.
        IF NOT EXISTS (SELECT 1 FROM pg_auth_members m
                        WHERE m.roleid = 'signbridge_app'::regrole AND m.member = current_user::regrole) THEN
          EXECUTE format('GRANT signbridge_app TO %I', current_user);
        END IF;
      END $$`);
    await db.query(`GRANT USAGE ON SCHEMA public TO signbridge_app`);
    await db.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO signbridge_app`);
    await db.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO signbridge_app`);
    await db.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO signbridge_app`,
    );
    await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO signbridge_app`);
    await db.query(`REVOKE ALL ON audit_log, audit_personal_data FROM signbridge_app`);
    await db.query(`GRANT SELECT, INSERT ON audit_log TO signbridge_app`);
    await db.query(`GRANT SELECT, INSERT, DELETE ON audit_personal_data TO signbridge_app`);
    // The app reads which migrations ran; only migrations (as the owner) write there.
    await db.query(`REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM signbridge_app`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TRIGGER IF EXISTS inbound_events_no_truncate ON inbound_events`);
    await db.query(`DROP TRIGGER IF EXISTS inbound_events_no_delete ON inbound_events`);
    await db.query(`DROP TRIGGER IF EXISTS inbound_events_received_unchanged ON inbound_events`);
    await db.query(`DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log`);
    await db.query(`DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log`);
    await db.query(`DROP FUNCTION IF EXISTS signbridge_inbound_event_received_unchanged()`);
    await db.query(`DROP FUNCTION IF EXISTS signbridge_refuse_change()`);
    // The role is cluster-wide and may serve other databases: only this database's grants are taken back.
    await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM signbridge_app`);
    await db.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM signbridge_app`);
    await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM signbridge_app`);
    await db.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM signbridge_app`);
    await db.query(`REVOKE USAGE ON SCHEMA public FROM signbridge_app`);
  }
}
