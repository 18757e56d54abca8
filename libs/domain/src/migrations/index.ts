import { InitialSchema1764200000000 } from './1764200000000-initial-schema';
import { IdempotencyKeys1764300000000 } from './1764300000000-idempotency-keys';
import { ContractSending1764300000001 } from './1764300000001-contract-sending';
import { AuditLog1764400000000 } from './1764400000000-audit-log';
import { Immutability1764400000002 } from './1764400000002-immutability';
import { SignatureEvidence1764500000000 } from './1764500000000-signature-evidence';
import { ContractBilling1764600000000 } from './1764600000000-contract-billing';
import { OutboxSettled1764600000001 } from './1764600000001-outbox-settled';
import { Documents1764400000001 } from './1764400000001-documents';
import { Invoicing1764700000000 } from './1764700000000-invoicing';
import { Provisioning1764700000001 } from './1764700000001-provisioning';
import { AuditFromOutbox1764800000000 } from './1764800000000-audit-from-outbox';
import { CreditNoteRequestKey1764900000000 } from './1764900000000-credit-note-request-key';
import { CustomerRequestKey1765000000000 } from './1765000000000-customer-request-key';
import { ApiKeyManagement1765100000000 } from './1765100000000-api-key-management';
import { ErpWebhooks1765200000000 } from './1765200000000-erp-webhooks';
import { Reconciler1765300000000 } from './1765300000000-reconciler';
import { OperationsIndexes1765300000001 } from './1765300000001-operations-indexes';
import { WebhookCircuitBreaker1765300000002 } from './1765300000002-webhook-circuit-breaker';
import { SecretRotationKey1765300000003 } from './1765300000003-secret-rotation-key';
import { OutboxLegacyIds1765300000004 } from './1765300000004-outbox-legacy-ids';
import { WebhookEndpointDeletion1765300000005 } from './1765300000005-webhook-endpoint-deletion';
import { WebhookInFlightLimit1765300000006 } from './1765300000006-webhook-in-flight-limit';
import { WebhookRateLimit1765300000007 } from './1765300000007-webhook-rate-limit';

/** In order. A migration, once shipped, is never edited: add a new one. */
export const MIGRATIONS = [
  InitialSchema1764200000000,
  IdempotencyKeys1764300000000,
  ContractSending1764300000001,
  AuditLog1764400000000,
  Documents1764400000001,
  Immutability1764400000002,
  SignatureEvidence1764500000000,
  ContractBilling1764600000000,
  OutboxSettled1764600000001,
  Invoicing1764700000000,
  Provisioning1764700000001,
  AuditFromOutbox1764800000000,
  CreditNoteRequestKey1764900000000,
  CustomerRequestKey1765000000000,
  ApiKeyManagement1765100000000,
  ErpWebhooks1765200000000,
  Reconciler1765300000000,
  OperationsIndexes1765300000001,
  WebhookCircuitBreaker1765300000002,
  SecretRotationKey1765300000003,
  OutboxLegacyIds1765300000004,
  WebhookEndpointDeletion1765300000005,
  WebhookInFlightLimit1765300000006,
  WebhookRateLimit1765300000007,
];
