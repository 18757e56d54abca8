import { Inject, Injectable } from '@nestjs/common';
import { SANDBOX_CONFIG, type SandboxConfig, type WebhookFaults } from '../config/sandbox-config';

/**
 * The faults switched on right now: configured at boot, changed at runtime with `PUT /v1/faults`. Held in
 * memory on purpose: a test flips them for one process without touching its neighbours on the same database.
 */
@Injectable()
export class WebhookFaultsState {
  private current: WebhookFaults;

  constructor(@Inject(SANDBOX_CONFIG) config: SandboxConfig) {
    this.current = { ...config.faults };
  }

  get(): WebhookFaults {
    return { ...this.current };
  }

  update(changes: Partial<WebhookFaults>): WebhookFaults {
    const defined = Object.entries(changes).filter(([, value]) => value !== undefined);
    this.current = { ...this.current, ...Object.fromEntries(defined) };
    return this.get();
  }
}
