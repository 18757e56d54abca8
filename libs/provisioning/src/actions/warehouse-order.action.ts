import { baseBody, pickRef, type ProvisioningAction, type ProvisioningContext } from './provisioning-action';

/**
 * A preparation order to the warehouse system: `POST /orders` with the contract's params (items, address),
 * answered with `{orderNumber}` (or `{id}`). Reversed by `POST /orders/<orderNumber>/cancel`.
 */
export class WarehouseOrderAction implements ProvisioningAction {
  readonly name = 'warehouse-order';

  provision(context: ProvisioningContext) {
    return { method: 'POST' as const, path: '/orders', body: baseBody(context, 'provision') };
  }

  resultRef(answer: unknown): string | null {
    return pickRef(answer, ['orderNumber', 'id']);
  }

  reverse(context: ProvisioningContext) {
    if (context.resultRef === null) return null;
    return {
      method: 'POST' as const,
      path: `/orders/${encodeURIComponent(context.resultRef)}/cancel`,
      body: { ...baseBody(context, 'reverse'), orderNumber: context.resultRef },
    };
  }
}
