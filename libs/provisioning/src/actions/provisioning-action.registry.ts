import { Injectable } from '@nestjs/common';
import { AccessCredentialsAction } from './access-credentials.action';
import type { ProvisioningAction } from './provisioning-action';
import { WarehouseOrderAction } from './warehouse-order.action';

/**
 * Every provisioning action by name. The built-ins are registered here; another module adds its own kind by
 * injecting the registry and calling `register` in its constructor or `onModuleInit`.
 */
@Injectable()
export class ProvisioningActionRegistry {
  private readonly actions = new Map<string, ProvisioningAction>();

  constructor() {
    this.register(new AccessCredentialsAction());
    this.register(new WarehouseOrderAction());
  }

  register(action: ProvisioningAction): void {
    if (this.actions.has(action.name)) throw new Error(`Provisioning action "${action.name}" registered twice`);
    this.actions.set(action.name, action);
  }

  get(name: string): ProvisioningAction | undefined {
    return this.actions.get(name);
  }

  names(): string[] {
    return [...this.actions.keys()];
  }
}
