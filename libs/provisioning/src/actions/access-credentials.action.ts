import { baseBody, pickRef, type ProvisioningAction, type ProvisioningContext } from './provisioning-action';

/**
 * Creates (or re-enables) the customer's account on the company's service platform: `POST /accounts`, answered with
 * `{accountId}` (or `{id}`). Reversed by `POST /accounts/<accountId>/disable`.
 */
export class AccessCredentialsAction implements ProvisioningAction {
  readonly name = 'access-credentials';

  provision(context: ProvisioningContext) {
    return { method: 'POST' as const, path: '/accounts', body: baseBody(context, 'provision') };
  }

  resultRef(answer: unknown): string | null {
    return pickRef(answer, ['accountId', 'id']);
  }

  reverse(context: ProvisioningContext) {
    if (context.resultRef === null) return null;
    return {
      method: 'POST' as const,
      path: `/accounts/${encodeURIComponent(context.resultRef)}/disable`,
      body: { ...baseBody(context, 'reverse'), accountId: context.resultRef },
    };
  }
}
