import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, problem, PROBLEM_CONTENT_TYPE, unstorableText, type AppConfig } from '@app/common';
import { MalformedWebhookError, WebhookAdapterRegistry, type ParsedWebhook } from '@app/signature-providers';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InboxWriter } from '../inbox/inbox.writer';

/**
 * The provider's event id is stored and indexed (unique per provider), whichever adapter found it: a longer one could
 * not be indexed (a btree entry holds about 2.7 kB), and would fail the group commit it shares with other deliveries.
 */
const MAX_EVENT_ID_LENGTH = 255;

/**
 * `POST /webhooks/:provider`, registered on Fastify directly rather than as a Nest controller: it is the
 * hot path, it needs the exact raw bytes whatever the content type (signatures cover bytes, not JSON),
 * and its body limit differs from the API's. Verify, store, answer: no business work happens here.
 */
@Injectable()
export class WebhookIngressRoute implements OnModuleInit {
  private readonly logger = new Logger('WebhookIngress');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly adapters: WebhookAdapterRegistry,
    private readonly inbox: InboxWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const adapter = this.adapterHost.httpAdapter;
    if (!adapter) return; // a worker-only process has no HTTP server
    const fastify = adapter.getInstance<FastifyInstance>();
    void fastify.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.setErrorHandler((error: FastifyError, request, reply) => this.fail(error, request, reply));
      scope.post<{ Params: { provider: string } }>(
        '/webhooks/:provider',
        { bodyLimit: this.config.webhooks.maxBodyBytes },
        (request, reply) => this.handle(request, reply),
      );
    });
  }

  private async handle(request: FastifyRequest<{ Params: { provider: string } }>, reply: FastifyReply) {
    const provider = request.params.provider;
    const adapter = this.adapters.find(provider);
    if (!adapter) {
      return sendProblem(reply, 404, 'WEBHOOK.UNKNOWN_PROVIDER', `No signature provider named "${provider}"`);
    }
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const webhook = { headers: request.headers, rawBody };
    const verification = adapter.verify(webhook, new Date());
    if (!verification.ok) {
      const code =
        verification.reason === 'stale_timestamp' ? 'WEBHOOK.TIMESTAMP_OUT_OF_TOLERANCE' : 'WEBHOOK.SIGNATURE_INVALID';
      return sendProblem(reply, 401, code, verification.detail);
    }
    const eventIdProblem = refusedEventId(verification.providerEventId);
    if (eventIdProblem) {
      return sendProblem(reply, 400, 'WEBHOOK.MALFORMED', `the event id ${eventIdProblem}`, { field: 'event id' });
    }
    let parsed: ParsedWebhook;
    try {
      parsed = adapter.parse(webhook, verification.providerEventId);
    } catch (error) {
      if (error instanceof MalformedWebhookError) {
        return sendProblem(reply, 400, 'WEBHOOK.MALFORMED', error.message, { field: error.field });
      }
      throw error;
    }
    try {
      const stored = await this.inbox.store({
        provider,
        providerEventId: verification.providerEventId,
        providerType: parsed.providerType,
        envelopeId: parsed.envelopeId,
        headers: flattenHeaders(request.headers),
        rawBody,
        status: parsed.known ? 'received' : 'ignored',
      });
      return reply.status(200).send({ received: true, duplicate: stored.duplicate, id: stored.id });
    } catch (error) {
      this.logger.warn(`could not store a ${provider} webhook, answered 503: ${(error as Error).message}`);
      void reply.header('retry-after', '5');
      return sendProblem(reply, 503, 'SERVICE.UNAVAILABLE', 'The event could not be stored; retry later.');
    }
  }

  private fail(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    if (error.statusCode === 413) {
      return sendProblem(
        reply,
        413,
        'REQUEST.BODY_TOO_LARGE',
        `Webhook bodies are limited to ${this.config.webhooks.maxBodyBytes} bytes`,
      );
    }
    if (error.statusCode === 415) {
      return sendProblem(reply, 415, 'REQUEST.UNSUPPORTED_MEDIA_TYPE', 'Send the body with a Content-Type header');
    }
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return sendProblem(reply, error.statusCode, 'REQUEST.INVALID', error.message);
    }
    this.logger.error(`webhook ${request.url} failed: ${error.stack ?? error.message}`);
    return sendProblem(reply, 500, 'INTERNAL', 'An unexpected error occurred.');
  }
}

function sendProblem(
  reply: FastifyReply,
  status: number,
  code: string,
  detail: string,
  extensions: Record<string, unknown> = {},
) {
  return reply
    .status(status)
    .header('content-type', PROBLEM_CONTENT_TYPE)
    .send(problem(status, code, detail, extensions));
}

function flattenHeaders(headers: FastifyRequest['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/** Why an event id cannot be stored, or undefined. */
function refusedEventId(id: string): string | undefined {
  if (id.length > MAX_EVENT_ID_LENGTH) return `exceeds ${MAX_EVENT_ID_LENGTH} characters`;
  const unstorable = unstorableText(id);
  return unstorable ? `must not contain ${unstorable}` : undefined;
}
