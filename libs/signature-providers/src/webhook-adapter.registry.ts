import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/common';
import type { WebhookAdapter } from './provider-adapter';
import { SandboxSignatureProvider } from './sandbox/sandbox-signature.provider';
import { SandboxWebhookAdapter } from './sandbox/sandbox-webhook.adapter';
import { SignatureProviderRegistry } from './signature-provider';

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

/** Both directions per platform: webhook adapters in, the SignatureProvider port out. */
@Global()
@Module({
  providers: [
    WebhookAdapterRegistry,
    {
      provide: SignatureProviderRegistry,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const { baseUrl, apiKey, timeoutMs } = config.providers.sandbox;
        // prepareRuntime fills the key from the shared file; a config built without it is a wiring mistake.
        if (!apiKey) throw new Error('providers.sandbox.apiKey is unset: build the config through prepareRuntime');
        return new SignatureProviderRegistry([new SandboxSignatureProvider({ baseUrl, apiKey, timeoutMs })]);
      },
    },
  ],
  exports: [WebhookAdapterRegistry, SignatureProviderRegistry],
})
export class SignatureProvidersModule {}
