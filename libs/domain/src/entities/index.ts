import { ApiKeyEntity } from './api-key.entity';
import { ContractEntity } from './contract.entity';
import { CustomerEntity } from './customer.entity';
import { InboundEventEntity } from './inbound-event.entity';
import { OutboxEventEntity } from './outbox-event.entity';
import { TimelineEntryEntity } from './timeline-entry.entity';

export * from './api-key.entity';
export * from './contract.entity';
export * from './customer.entity';
export * from './inbound-event.entity';
export * from './outbox-event.entity';
export * from './timeline-entry.entity';

export const ENTITIES = [
  ApiKeyEntity,
  ContractEntity,
  CustomerEntity,
  InboundEventEntity,
  OutboxEventEntity,
  TimelineEntryEntity,
];
