import { Global, Module, type DynamicModule } from '@nestjs/common';
import { SANDBOX_API_KEY, SandboxApiKeyGuard } from './auth/sandbox-api-key.guard';
import { SANDBOX_CONFIG, type SandboxConfig } from './config/sandbox-config';
import { SandboxDatabase } from './database/sandbox-database';
import { SANDBOX_WEBHOOK_SECRET } from './sandbox.tokens';

/** What the sandbox process resolved before building its modules (database connected, secrets known). */
export interface SandboxRuntime {
  config: SandboxConfig;
  database: SandboxDatabase;
  apiKey: string;
  webhookSecret: string;
}

/** Configuration, database and authentication, available to every sandbox module. */
@Global()
@Module({})
export class SandboxCoreModule {
  static register(runtime: SandboxRuntime): DynamicModule {
    return {
      module: SandboxCoreModule,
      providers: [
        { provide: SANDBOX_CONFIG, useValue: runtime.config },
        { provide: SandboxDatabase, useValue: runtime.database },
        { provide: SANDBOX_API_KEY, useValue: runtime.apiKey },
        { provide: SANDBOX_WEBHOOK_SECRET, useValue: runtime.webhookSecret },
        SandboxApiKeyGuard,
      ],
      exports: [SANDBOX_CONFIG, SandboxDatabase, SANDBOX_API_KEY, SANDBOX_WEBHOOK_SECRET, SandboxApiKeyGuard],
    };
  }
}
