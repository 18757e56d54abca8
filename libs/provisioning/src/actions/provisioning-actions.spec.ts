import { buildHttpRequest } from '../http/target-client';
import { verifySignatureHeader } from '@app/common';
import { AccessCredentialsAction } from './access-credentials.action';
import type { ProvisioningContext } from './provisioning-action';
import { ProvisioningActionRegistry } from './provisioning-action.registry';
import { WarehouseOrderAction } from './warehouse-order.action';

const context: ProvisioningContext = {
  runId: '5b0d7a9e-0000-4000-8000-000000000001',
  contractId: '5b0d7a9e-0000-4000-8000-000000000002',
  customer: {
    id: '5b0d7a9e-0000-4000-8000-000000000003',
    externalRef: 'ERP-42',
    name: 'Acme S.L.',
    email: 'billing@acme.example',
    taxId: 'ESB12345678',
  },
  params: { plan: 'pro', seats: 5 },
  resultRef: null,
};

describe('built-in provisioning actions', () => {
  it('access-credentials: POST /accounts with the contract, the customer and the params; keeps accountId', () => {
    const action = new AccessCredentialsAction();
    expect(action.provision(context)).toEqual({
      method: 'POST',
      path: '/accounts',
      body: {
        runId: context.runId,
        kind: 'provision',
        contractId: context.contractId,
        customer: context.customer,
        params: { plan: 'pro', seats: 5 },
      },
    });
    expect(action.resultRef({ accountId: 'acc_7', id: 'x' })).toBe('acc_7');
    expect(action.resultRef({ id: 42 })).toBe('42');
    expect(action.resultRef(null)).toBeNull();
    expect(action.resultRef({ text: 'ok' })).toBeNull();
  });

  it('access-credentials reverses by disabling the stored account', () => {
    expect(new AccessCredentialsAction().reverse({ ...context, resultRef: 'acc/7' })).toMatchObject({
      method: 'POST',
      path: '/accounts/acc%2F7/disable',
      body: { kind: 'reverse', accountId: 'acc/7', contractId: context.contractId },
    });
  });

  it('builds no reversal when the provision kept no reference: no call to /accounts//disable', () => {
    expect(new AccessCredentialsAction().reverse({ ...context, resultRef: null })).toBeNull();
    expect(new WarehouseOrderAction().reverse({ ...context, resultRef: null })).toBeNull();
  });

  it('warehouse-order: POST /orders, keeps orderNumber, reverses by cancelling it', () => {
    const action = new WarehouseOrderAction();
    expect(action.provision(context)).toMatchObject({ method: 'POST', path: '/orders', body: { kind: 'provision' } });
    expect(action.resultRef({ orderNumber: 'WO-2026-0001' })).toBe('WO-2026-0001');
    expect(action.reverse({ ...context, resultRef: 'WO-1' })).toMatchObject({
      method: 'POST',
      path: '/orders/WO-1/cancel',
      body: { orderNumber: 'WO-1' },
    });
  });

  it('the registry knows both built-ins and refuses a name twice', () => {
    const registry = new ProvisioningActionRegistry();
    expect(registry.names().sort()).toEqual(['access-credentials', 'warehouse-order']);
    expect(() => registry.register(new WarehouseOrderAction())).toThrow(/registered twice/);
    registry.register({
      name: 'custom',
      provision: () => ({ method: 'PUT', path: '/x', body: {} }),
      resultRef: () => null,
    });
    expect(registry.get('custom')?.reverse).toBeUndefined();
  });

  it('builds the HTTP call: JSON body, Idempotency-Key = run id, a signature over exactly those bytes', () => {
    const request = new AccessCredentialsAction().provision(context);
    const secret = 'provisioning-secret-0123456789';
    const built = buildHttpRequest(request, { runId: context.runId, secret, nowSeconds: 1767225600 });
    expect(JSON.parse(built.body)).toEqual(request.body);
    expect(built.headers['content-type']).toBe('application/json');
    expect(built.headers['idempotency-key']).toBe(context.runId);
    expect(built.headers['x-signbridge-signature']).toMatch(/^t=1767225600,v1=[0-9a-f]{64}$/);
    expect(verifySignatureHeader(secret, built.body, built.headers['x-signbridge-signature'], 1767225600)).toBe(true);
  });
});
