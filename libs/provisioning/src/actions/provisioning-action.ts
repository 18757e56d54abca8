/** The customer a run provisions for, as the target receives it. */
export interface ProvisioningCustomer {
  id: string;
  externalRef: string;
  name: string;
  email: string;
  taxId: string | null;
}

/** What an action sees when it builds a request: the run, the contract's customer and the action's params. */
export interface ProvisioningContext {
  runId: string;
  contractId: string;
  customer: ProvisioningCustomer;
  params: Record<string, unknown>;
  /** For a reversal: what the provision run's target answered (the account id, the order number). */
  resultRef: string | null;
}

export type ProvisioningMethod = 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One call to the action's target: a path under its configured base URL and a JSON body. */
export interface ProvisioningRequest {
  method: ProvisioningMethod;
  path: string;
  body: Record<string, unknown>;
}

/**
 * A kind of provisioning (`contracts.provisioning[].action`). Adding a kind is one class implementing this, registered
 * with `ProvisioningActionRegistry.register` (the built-ins are), plus `PROVISIONING_<NAME>_URL` in the environment.
 * Actions are pure: they build requests and read answers; the runner does the I/O, signing, retries and bookkeeping.
 */
export interface ProvisioningAction {
  /** The name contracts use, e.g. `access-credentials`. Never renamed once shipped (it is in the runs' unique key). */
  readonly name: string;
  provision(context: ProvisioningContext): ProvisioningRequest;
  /** Reads the reference to keep (account id, order number) from the target's 2xx answer, parsed JSON or null. */
  resultRef(answer: unknown): string | null;
  /**
   * The call that undoes a succeeded provision (on void, or a credit note cancelling the first invoice); absent: none.
   * Null when it cannot be built: the provision's answer named nothing to undo (`context.resultRef` is null).
   */
  reverse?(context: ProvisioningContext): ProvisioningRequest | null;
}

/** The body every action starts from: who and what, so the target can act without calling back. */
export function baseBody(context: ProvisioningContext, kind: 'provision' | 'reverse'): Record<string, unknown> {
  return {
    runId: context.runId,
    kind,
    contractId: context.contractId,
    customer: { ...context.customer },
    params: context.params,
  };
}

/** The first of `keys` that holds a non-empty string or a number in a JSON object answer. */
export function pickRef(answer: unknown, keys: readonly string[]): string | null {
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) return null;
  for (const key of keys) {
    const value = (answer as Record<string, unknown>)[key];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  }
  return null;
}
