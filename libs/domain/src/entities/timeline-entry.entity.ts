import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'contract_timeline' })
export class TimelineEntryEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'contract_id', type: 'uuid' })
  contractId!: string;

  /** Unique per contract: the canonical event's id, so a replayed or repeated event adds no second entry. */
  @Column({ name: 'event_key', type: 'text' })
  eventKey!: string;

  @Column({ type: 'text' })
  kind!: 'provider_event' | 'system';

  @Column({ type: 'text' })
  type!: string;

  @Column({ type: 'text' })
  outcome!: string;

  @Column({ type: 'text', nullable: true })
  anomaly!: string | null;

  @Column({ name: 'status_before', type: 'text', nullable: true })
  statusBefore!: string | null;

  @Column({ name: 'status_after', type: 'text' })
  statusAfter!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'recorded_at', type: 'timestamptz' })
  recordedAt!: Date;

  @Column({ name: 'inbound_event_id', type: 'uuid', nullable: true })
  inboundEventId!: string | null;

  @Column({ type: 'jsonb' })
  detail!: Record<string, unknown>;
}
