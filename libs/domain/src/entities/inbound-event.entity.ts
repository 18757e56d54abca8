import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * received: stored, waiting to be processed; processed: applied to its contract; parked: no contract has
 * its envelope yet (applied automatically once one is registered, or replayed by staff); ignored: a type
 * SignBridge does not act on; failed: processing failed `INBOX_MAX_ATTEMPTS` times (replayable).
 */
export const INBOUND_EVENT_STATUSES = ['received', 'processed', 'parked', 'ignored', 'failed'] as const;
export type InboundEventStatus = (typeof INBOUND_EVENT_STATUSES)[number];

@Entity({ name: 'inbound_events' })
export class InboundEventEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'text' })
  provider!: string;

  @Column({ name: 'provider_event_id', type: 'text' })
  providerEventId!: string;

  @Column({ name: 'provider_type', type: 'text' })
  providerType!: string;

  @Column({ name: 'envelope_id', type: 'text', nullable: true })
  envelopeId!: string | null;

  /** Kept verbatim: the signature can be re-verified and the event re-processed from these alone. */
  @Column({ type: 'jsonb' })
  headers!: Record<string, string>;

  @Column({ name: 'raw_body', type: 'bytea' })
  rawBody!: Buffer;

  @Column({ type: 'text' })
  status!: InboundEventStatus;

  @Column({ type: 'int' })
  attempts!: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'timestamptz', nullable: true })
  processedAt!: Date | null;
}
