import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config';

/**
 * Where signature platforms reach this process: SIGNBRIDGE_PUBLIC_URL, or the address it listens on (known
 * only after `listen`, which may pick a free port). Used to build the webhook URL sent with each envelope.
 */
@Injectable()
export class PublicAddress {
  private listeningUrl?: string;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Called once the HTTP server listens. */
  listening(url: string): void {
    this.listeningUrl = url.replace('[::1]', '127.0.0.1').replace(/\/+$/, '');
  }

  url(): string {
    const url = this.config.publicUrl ?? this.listeningUrl;
    if (!url)
      throw new Error('The public address is unknown: set SIGNBRIDGE_PUBLIC_URL or call listening() after listen');
    return url;
  }
}
