import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiExcludeEndpoint, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SandboxDatabase } from '../database/sandbox-database';
import { SandboxError } from '../sandbox.errors';
import { MailMessageDto } from './mailbox.dto';
import { mailboxPage } from './mailbox-page.html';

interface MailRow {
  id: string;
  to_address: string;
  subject: string;
  text: string;
  code: string | null;
  kind: string;
  envelope_id: string | null;
  created_at: Date;
}

/**
 * The signers' inboxes. Deliberately without the API key: it stands in for mail the signers would read
 * anywhere, and tests and demos read their links and codes here.
 */
@ApiTags('mailbox')
@Controller()
export class MailboxController {
  constructor(@Inject(SandboxDatabase) private readonly database: SandboxDatabase) {}

  @Get('v1/mailbox')
  @ApiQuery({ name: 'to', required: true, description: 'The recipient address' })
  @ApiOkResponse({ type: [MailMessageDto], description: 'Messages to that address, newest first (no API key needed)' })
  @ApiBadRequestResponse({ description: 'MAILBOX.ADDRESS_REQUIRED' })
  async list(@Query('to') to?: string): Promise<MailMessageDto[]> {
    if (typeof to !== 'string' || to.trim() === '') {
      throw new SandboxError('MAILBOX.ADDRESS_REQUIRED', 'to: the recipient address is required', {
        fields: [{ field: 'to', problem: 'required' }],
      });
    }
    return this.messages(to);
  }

  @Get('mailbox')
  @ApiExcludeEndpoint()
  async page(@Res() reply: FastifyReply, @Query('to') to?: string): Promise<void> {
    const address = typeof to === 'string' && to.trim() !== '' ? to : undefined;
    await reply.type('text/html; charset=utf-8').send(mailboxPage(await this.messages(address), address));
  }

  private async messages(to: string | undefined): Promise<MailMessageDto[]> {
    const rows = await this.database.query<MailRow>(
      `SELECT id, to_address, subject, text, code, kind, envelope_id, created_at FROM mailbox
       WHERE $1::text IS NULL OR to_address = lower($1) ORDER BY seq DESC LIMIT 200`,
      [to?.trim() ?? null],
    );
    return rows.map((r) => ({
      id: r.id,
      to: r.to_address,
      subject: r.subject,
      text: r.text,
      code: r.code,
      kind: r.kind,
      envelope_id: r.envelope_id,
      created_at: r.created_at.toISOString(),
    }));
  }
}
