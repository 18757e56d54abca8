import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { SignatureLevel } from '../signature-level';
import type { PostalAddress } from './customer.entity';
import { bigintCents } from './transformers';

export interface BillingLine {
  description: string;
  quantity: number;
  unitPriceCents: number;
  /** Percent, e.g. 21 or 10.5. */
  vatRate: number;
}

/**
 * Who the invoice is made out to, where it differs from the customer (another legal name or tax id, the accounts
 * payable address); each part given replaces the customer's on the invoice.
 */
export interface BillingParty {
  name?: string;
  taxId?: string;
  email?: string;
  address?: PostalAddress;
}

export type ContractBilling = ({ lines: BillingLine[] } | { plan: string }) & { party?: BillingParty };

export interface ProvisioningActionSpec {
  action: string;
  params: Record<string, unknown>;
}

/**
 * The lifecycle's facts and emitted milestones are stored as one JSON document beside the derived
 * `status`, which is a column so it can be filtered and indexed. Shape: see libs/contracts lifecycle.
 */
@Entity({ name: 'contracts' })
export class ContractEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @Column({ type: 'text' })
  provider!: string;

  @Column({ name: 'envelope_id', type: 'text' })
  envelopeId!: string;

  @Column({ type: 'text', nullable: true })
  title!: string | null;

  @Column({ type: 'text' })
  currency!: string;

  @Column({ name: 'amount_cents', type: 'bigint', transformer: bigintCents })
  amountCents!: number;

  @Column({ name: 'required_level', type: 'text' })
  requiredLevel!: SignatureLevel;

  @Column({ type: 'text' })
  status!: string;

  @Column({ type: 'jsonb' })
  lifecycle!: Record<string, unknown>;

  @Column({ name: 'document_filename', type: 'text', nullable: true })
  documentFilename!: string | null;

  @Column({ name: 'document_sha256', type: 'text', nullable: true })
  documentSha256!: string | null;

  /** Signer e-mail → signing link, for contracts SignBridge sent itself. */
  @Column({ name: 'signing_urls', type: 'jsonb', default: {} })
  signingUrls!: Record<string, string>;

  /** What the first invoice bills: `{lines}` or `{plan}`; null: nothing. */
  @Column({ type: 'jsonb', nullable: true })
  billing!: ContractBilling | null;

  @Column({ type: 'jsonb', default: [] })
  provisioning!: ProvisioningActionSpec[];

  @Column({ name: 'void_requested_at', type: 'timestamptz', nullable: true })
  voidRequestedAt!: Date | null;

  /** When the reconciler last asked the platform about this contract (a webhook that never arrived). */
  @Column({ name: 'reconciled_at', type: 'timestamptz', nullable: true })
  reconciledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
