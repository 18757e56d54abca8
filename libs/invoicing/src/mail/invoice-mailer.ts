import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/common';
import { createTransport, type Transporter } from 'nodemailer';

export interface InvoiceMail {
  to: string;
  subject: string;
  text: string;
  /** `<invoice id@signbridge>`: a resend after a crash carries the same id, so the two are recognisably one. */
  messageId: string;
  attachment: { filename: string; content: Buffer };
  /** The .eml file's name without SMTP: the invoice number, so a resend overwrites instead of adding a file. */
  emlName: string;
}

/**
 * Mails invoices through SMTP_URL, or without it writes each message as `<DATA_DIR>/mail/<number>.eml` (the
 * zero-set-up default; written to a temporary name and renamed, so a file is either whole or absent).
 */
@Injectable()
export class InvoiceMailer implements OnModuleDestroy {
  private readonly transport: Transporter;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const { smtpUrl, smtpTimeoutMs } = config.invoicing;
    this.transport = smtpUrl
      ? // Options the URL's query names (…?socketTimeout=) take precedence over these.
        createTransport({
          url: smtpUrl,
          connectionTimeout: smtpTimeoutMs,
          greetingTimeout: smtpTimeoutMs,
          socketTimeout: smtpTimeoutMs,
        })
      : createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  get kind(): 'smtp' | 'eml' {
    return this.config.invoicing.smtpUrl ? 'smtp' : 'eml';
  }

  async send(mail: InvoiceMail): Promise<void> {
    const info = (await this.transport.sendMail({
      from: this.config.invoicing.mailFrom,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      messageId: mail.messageId,
      attachments: [
        { filename: mail.attachment.filename, content: mail.attachment.content, contentType: 'application/pdf' },
      ],
    })) as { message?: Buffer };
    if (this.kind === 'smtp') return;
    const dir = this.config.invoicing.mailDir;
    await mkdir(dir, { recursive: true });
    const target = join(dir, `${mail.emlName}.eml`);
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, info.message ?? Buffer.alloc(0));
    await rename(temporary, target);
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
