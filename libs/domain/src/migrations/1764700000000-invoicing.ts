import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invoices and credit notes (rectificativas), issued once and never changed (RD 1619/2012 art. 15, VeriFactu):
 *
 * - `invoice_series_counters`: the last number per (series, year). Taking a number is an upsert on that row
 *   inside the issuing transaction, so the row lock makes numbers gapless and increasing across workers, and
 *   a transaction that rolls back gives its number back.
 * - `invoices`: both kinds; `UNIQUE (series, year, number)` and the full number; at most one first invoice
 *   per contract (partial unique index). `chain_position` orders the VeriFactu chain of one issuer (tax id):
 *   each record's `previous_fingerprint` is the `fingerprint` of the record before it.
 * - Triggers refuse any UPDATE but of `status`/`sent_at` (the mailing), and every DELETE and TRUNCATE.
 *
 * Grants for `signbridge_app` come from the default privileges of the immutability migration.
 */
export class Invoicing1764700000000 implements MigrationInterface {
  name = 'Invoicing1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE invoice_series_counters (
        series text NOT NULL,
        year int NOT NULL,
        last_number int NOT NULL CHECK (last_number > 0),
        PRIMARY KEY (series, year)
      )`);
    await db.query(`
      CREATE TABLE invoices (
        id uuid PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
        series text NOT NULL,
        year int NOT NULL,
        number int NOT NULL CHECK (number > 0),
        full_number text NOT NULL UNIQUE,
        contract_id uuid NOT NULL REFERENCES contracts (id),
        customer_id uuid NOT NULL REFERENCES customers (id),
        corrects_invoice_id uuid REFERENCES invoices (id),
        credit_reason text,
        issue_date date NOT NULL,
        currency text NOT NULL,
        seller jsonb NOT NULL,
        buyer jsonb NOT NULL,
        lines jsonb NOT NULL,
        tax_breakdown jsonb NOT NULL,
        total_base_cents bigint NOT NULL,
        total_vat_cents bigint NOT NULL,
        total_cents bigint NOT NULL,
        rounding_rule text NOT NULL,
        issuer_tax_id text NOT NULL,
        chain_position bigint NOT NULL,
        fingerprint text NOT NULL,
        previous_fingerprint text,
        fingerprint_generated_at text NOT NULL,
        status text NOT NULL CHECK (status IN ('issued', 'sent')),
        sent_at timestamptz,
        -- Milliseconds, as the API's keyset cursors carry them (a microsecond would repeat a row on the next page).
        created_at timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        UNIQUE (series, year, number),
        UNIQUE (issuer_tax_id, chain_position),
        CHECK ((kind = 'credit_note') = (corrects_invoice_id IS NOT NULL))
      )`);
    await db.query(
      `CREATE UNIQUE INDEX invoices_one_first_invoice_per_contract ON invoices (contract_id) WHERE kind = 'invoice'`,
    );
    await db.query(`CREATE INDEX invoices_customer ON invoices (customer_id)`);
    await db.query(
      `CREATE INDEX invoices_corrects ON invoices (corrects_invoice_id) WHERE corrects_invoice_id IS NOT NULL`,
    );
    await db.query(`CREATE INDEX invoices_created ON invoices (created_at, id)`);

    await db.query(`
      CREATE FUNCTION signbridge_invoice_unchanged() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF (to_jsonb(NEW) - 'status' - 'sent_at') IS DISTINCT FROM (to_jsonb(OLD) - 'status' - 'sent_at') THEN
          RAISE EXCEPTION 'invoice %: an issued invoice never changes (only status and sent_at may)', OLD.full_number
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER invoices_unchanged BEFORE UPDATE ON invoices
        FOR EACH ROW EXECUTE FUNCTION signbridge_invoice_unchanged()`);
    await db.query(`
      CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
        FOR EACH ROW EXECUTE FUNCTION signbridge_refuse_change()`);
    await db.query(`
      CREATE TRIGGER invoices_no_truncate BEFORE TRUNCATE ON invoices
        FOR EACH STATEMENT EXECUTE FUNCTION signbridge_refuse_change()`);
    // Taking a number back would open a gap: counters only ever grow.
    await db.query(`
      CREATE FUNCTION signbridge_counter_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' OR NEW.last_number <> OLD.last_number + 1 OR NEW.series <> OLD.series OR NEW.year <> OLD.year THEN
          RAISE EXCEPTION 'invoice series counters only move forward by one' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER invoice_series_counters_only_grow BEFORE UPDATE OR DELETE ON invoice_series_counters
        FOR EACH ROW EXECUTE FUNCTION signbridge_counter_only_grows()`);
    await db.query(`
      CREATE TRIGGER invoice_series_counters_no_truncate BEFORE TRUNCATE ON invoice_series_counters
        FOR EACH STATEMENT EXECUTE FUNCTION signbridge_refuse_change()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE IF EXISTS invoices`);
    await db.query(`DROP TABLE IF EXISTS invoice_series_counters`);
    await db.query(`DROP FUNCTION IF EXISTS signbridge_invoice_unchanged()`);
    await db.query(`DROP FUNCTION IF EXISTS signbridge_counter_only_grows()`);
  }
}
