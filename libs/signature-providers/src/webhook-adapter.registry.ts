import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/common';
import type { WebhookAdapter } from './provider-adapter';
import { SandboxWebhookAdapter } from './sandbox/sandbox-webhook.adapter';

/** The adapters SignBridge accepts webhooks from, by the `:provider` segment of the ingress URL. */
@Injectable()
export class WebhookAdapterRegistry {
  private readonly adapters = new Map<string, WebhookAdapter>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    const sandbox = new SandboxWebhookAdapter({
      secrets: config.webhooks.sandboxSecrets,
      toleranceSeconds: config.webhooks.toleranceSeconds,
    });
    this.adapters.set(sandbox.provider, sandbox);
  }

  find(provider: string): WebhookAdapter | undefined {
    return this.adapters.get(provider);
  }

  get(provider: string): WebhookAdapter {
    const adapter = this.adapters.get(provider);
    if (!adapter) throw new Error(`No webhook adapter for provider "${provider}"`);
    return adapter;
  }

  providers(): string[] {
    return [...this.adapters.keys()];
  }
}

@Global()
@Module({ providers: [WebhookAdapterRegistry], exports: [WebhookAdapterRegistry] })
export class SignatureProvidersModule {}
