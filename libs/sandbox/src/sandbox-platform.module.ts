import { Module, type DynamicModule } from '@nestjs/common';
import { CreateEnvelopeUseCase } from './envelopes/create-envelope/create-envelope.usecase';
import { EnvelopeActions } from './envelopes/envelope-actions.service';
import { EnvelopeExpiryService } from './envelopes/envelope-expiry.service';
import { EnvelopeQueries } from './envelopes/envelope.queries';
import { EnvelopesController } from './envelopes/envelopes.controller';
import { SimulateUseCase } from './envelopes/simulate/simulate.usecase';
import { SandboxHealthController } from './health/sandbox-health.controller';
import { MailboxController } from './mailbox/mailbox.controller';
import { EnvelopeTransactions } from './platform/envelope-transactions';
import { SandboxPublicUrl } from './platform/public-url';
import { SandboxCoreModule, type SandboxRuntime } from './sandbox-core.module';
import { EnvelopeCompletion } from './signing/envelope-completion';
import { SigningPageController } from './signing/signing-page.controller';
import { SigningService } from './signing/signing.service';
import { SandboxWebhooksModule } from './webhooks/sandbox-webhooks.module';

/** The whole sandbox platform: envelopes API, signing page, mailbox, expiry, and webhook delivery. */
@Module({})
export class SandboxPlatformModule {
  static register(runtime: SandboxRuntime): DynamicModule {
    return {
      module: SandboxPlatformModule,
      imports: [SandboxCoreModule.register(runtime), SandboxWebhooksModule],
      controllers: [EnvelopesController, SigningPageController, MailboxController, SandboxHealthController],
      providers: [
        SandboxPublicUrl,
        EnvelopeTransactions,
        EnvelopeQueries,
        EnvelopeActions,
        EnvelopeCompletion,
        CreateEnvelopeUseCase,
        SigningService,
        SimulateUseCase,
        EnvelopeExpiryService,
      ],
    };
  }
}
