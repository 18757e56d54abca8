import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `webhook_endpoints.deleted_at`: an endpoint staff deleted. It stays as a row (its deliveries reference it, and
 * they are the record of what the ERP was sent), disabled, without its secrets, and out of every list and view.
 */
export class WebhookEndpointDeletion1765300000005 implements MigrationInterface {
  name = 'WebhookEndpointDeletion1765300000005';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_endpoints ADD COLUMN deleted_at timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE webhook_endpoints DROP COLUMN deleted_at`);
  }
}
