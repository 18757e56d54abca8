import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a contract bills and provisions once it is active: its invoice lines (or a catalogue plan) and its
 * provisioning actions. Read by the invoicing and provisioning subscribers of `ContractActivated`.
 */
export class ContractBilling1764600000000 implements MigrationInterface {
  name = 'ContractBilling1764600000000';

  async up(db: QueryRunner): Promise<void> {
    // {"lines": [{"description", "quantity", "unitPriceCents", "vatRate"}]} or {"plan": "<catalogue key>"}; NULL: nothing to bill.
    await db.query(`ALTER TABLE contracts ADD COLUMN billing jsonb`);
    // [{"action": "access-credentials", "params": {...}}, ...]
    await db.query(`ALTER TABLE contracts ADD COLUMN provisioning jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE contracts DROP COLUMN provisioning`);
    await db.query(`ALTER TABLE contracts DROP COLUMN billing`);
  }
}
