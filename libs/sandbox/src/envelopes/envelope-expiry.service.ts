import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SANDBOX_CONFIG, type SandboxConfig } from '../config/sandbox-config';
import { EnvelopeActions } from './envelope-actions.service';

/** Expires envelopes past `expires_at` every `expiryCheckMs`; several processes share the work (SKIP LOCKED). */
@Injectable()
export class EnvelopeExpiryService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('EnvelopeExpiry');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
    @Inject(EnvelopeActions) private readonly actions: EnvelopeActions,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      // One sweep at a time: a slow database must not pile up overlapping sweeps.
      this.running ??= this.sweep().finally(() => (this.running = undefined));
    }, this.config.expiryCheckMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  async sweep(): Promise<void> {
    try {
      let expired: number;
      do {
        expired = await this.actions.expireDue();
        if (expired > 0) this.logger.log(`expired ${expired} envelope(s)`);
      } while (expired > 0 && this.timer !== undefined);
    } catch (error) {
      this.logger.warn(`expiry sweep failed: ${(error as Error).message}`);
    }
  }
}
