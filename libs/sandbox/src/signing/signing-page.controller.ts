import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, statusForCode } from '@app/common';
import { SandboxDatabase } from '../database/sandbox-database';
import { sendDocument, downloadName } from '../documents/document-response';
import { findDocument, findEnvelope, findSignerByToken } from '../envelopes/envelope.repository';
import type { Actor } from '../platform/envelope-transactions';
import { notFoundPage, signingPage } from './signing-page.html';
import { SigningService, type SignOutcome } from './signing.service';

type Form = Record<string, string | string[] | undefined>;

const NOTICES: Record<string, string> = {
  'code-sent': 'We sent a 6-digit code to your e-mail address. Enter it below to sign.',
  signed: 'Thank you: your signature is recorded.',
  declined: 'You declined to sign.',
};

/** The page a signer reaches from the invitation mail: server-rendered HTML and plain POST forms. */
@ApiExcludeController()
@Controller('sign')
export class SigningPageController {
  constructor(
    @Inject(SigningService) private readonly signing: SigningService,
    @Inject(SandboxDatabase) private readonly database: SandboxDatabase,
  ) {}

  @Get(':token')
  async show(
    @Param('token') token: string,
    @Query('notice') notice: string | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!(await findSignerByToken(this.database, token))) return sendPage(reply, 404, notFoundPage());
    await this.signing.open(token, actorOf(request));
    await this.render(reply, token, 200, { notice: notice ? NOTICES[notice] : undefined });
  }

  @Get(':token/document')
  async document(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    const signer = await findSignerByToken(this.database, token);
    if (!signer) return sendPage(reply, 404, notFoundPage());
    const envelope = await findEnvelope(this.database, signer.envelope_id);
    const original = await findDocument(this.database, envelope.id, 'original');
    if (!original) return sendPage(reply, 404, notFoundPage());
    await sendDocument(reply, original, downloadName(envelope.document_filename, 'original'), 'inline');
  }

  @Post(':token/otp')
  async sendCode(@Param('token') token: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    await this.act(reply, token, () => this.signing.requestOtp(token, actorOf(request)), 'code-sent');
  }

  @Post(':token/sign')
  async sign(
    @Param('token') token: string,
    @Body() form: Form | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    let outcome: SignOutcome | undefined;
    const done = await this.act(
      reply,
      token,
      async () => {
        outcome = await this.signing.sign(
          token,
          {
            consent: field(form, 'consent') !== undefined,
            code: field(form, 'code'),
            certificate: field(form, 'certificate'),
          },
          actorOf(request),
        );
        return outcome.outcome === 'signed';
      },
      'signed',
    );
    if (done || outcome?.outcome !== 'rejected') return;
    const error = outcome.locked
      ? 'Wrong code. Too many wrong codes: signing is now locked.'
      : `${outcome.reason === 'wrong_code' ? 'Wrong code' : outcome.reason === 'expired_code' ? 'The code has expired' : 'No code was sent yet'}. ` +
        `${outcome.attemptsLeft} attempt(s) left.`;
    await this.render(reply, token, outcome.locked ? 403 : 400, { error });
  }

  @Post(':token/decline')
  async decline(
    @Param('token') token: string,
    @Body() form: Form | undefined,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const reason = field(form, 'reason')?.trim().slice(0, 1000) || null;
    await this.act(reply, token, () => this.signing.decline(token, reason, actorOf(request)), 'declined');
  }

  /**
   * Runs an action, then redirects (303, so a reload does not post again) with a notice. A refusal
   * re-renders the page with the reason; returns false when the caller has to answer itself.
   */
  private async act(
    reply: FastifyReply,
    token: string,
    action: () => Promise<void | boolean>,
    notice: string,
  ): Promise<boolean> {
    try {
      if ((await action()) === false) return false;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (error.code === 'SIGNER.NOT_FOUND') return sendPage(reply, 404, notFoundPage()).then(() => true);
      await this.render(reply, token, statusForCode(error.code), { error: error.message });
      return true;
    }
    await reply.redirect(`/sign/${encodeURIComponent(token)}?notice=${notice}`, 303);
    return true;
  }

  private async render(
    reply: FastifyReply,
    token: string,
    status: number,
    messages: { notice?: string; error?: string },
  ): Promise<void> {
    const signer = await findSignerByToken(this.database, token);
    if (!signer) return sendPage(reply, 404, notFoundPage());
    const envelope = await findEnvelope(this.database, signer.envelope_id);
    await sendPage(reply, status, signingPage({ envelope, signer, ...messages }));
  }
}

function actorOf(request: FastifyRequest): Actor {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null, simulated: false };
}

function field(form: Form | undefined, name: string): string | undefined {
  const value = form?.[name];
  return Array.isArray(value) ? value[0] : value;
}

async function sendPage(reply: FastifyReply, status: number, body: string): Promise<void> {
  await reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}
