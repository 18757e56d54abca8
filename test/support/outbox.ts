import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { appendToOutbox, type OutboxRef } from '@app/event-bus';
import type { TestApp } from './test-app';

/**
 * A `ContractActivated` for `customerId` written into the outbox through the app's own connection, as the
 * activation gate writes it, for a contract id of its own: what subscribers of that event get to see. Not
 * dispatched: the caller hands it on (the relay, or the runner directly).
 */
export async function appendContractActivated(app: TestApp, customerId: string): Promise<OutboxRef> {
  const contractId = randomUUID();
  const [ref] = await app.app.get(DataSource).transaction((em) =>
    appendToOutbox(em, [{ type: 'ContractActivated', data: { customerId } }], {
      aggregateType: 'contract',
      aggregateId: contractId,
      correlationId: contractId,
      causationId: contractId,
      occurredAt: new Date(),
    }),
  );
  return ref;
}
