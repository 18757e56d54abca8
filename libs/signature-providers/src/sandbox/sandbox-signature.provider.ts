import { createHash } from 'node:crypto';
import { headerValue, httpCall, HttpCallError, type HttpAnswer } from '@app/common';
import { isSignatureLevel } from '@app/domain';
import {
  ProviderError,
  type SignatureRecord,
  type CreateEnvelopeRequest,
  type EnvelopeSigner,
  type EnvelopeSummary,
  type ProviderDocument,
  type SignatureProvider,
} from '../signature-provider';

export interface SandboxProviderOptions {
  baseUrl: string;
  apiKey: string;
  timeoutMs: number;
}

type Json = Record<string, unknown>;

/** Beyond these, an answer is refused rather than held in memory: the platform takes documents up to 10 MB. */
const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
const MAX_JSON_BYTES = 4 * 1024 * 1024;

/** The sandbox platform's REST API (`apps/sandbox`) behind the SignatureProvider port. */
export class SandboxSignatureProvider implements SignatureProvider {
  readonly name = 'sandbox';
  readonly servesDocuments = true;

  constructor(private readonly options: SandboxProviderOptions) {}

  async createEnvelope(request: CreateEnvelopeRequest): Promise<EnvelopeSummary> {
    const body = {
      title: request.title,
      document: { filename: request.document.filename, content_base64: request.document.content.toString('base64') },
      signers: request.signers.map((s) => ({ name: s.name, email: s.email })),
      signature_level: request.signatureLevel,
      webhook_url: request.webhookUrl,
      metadata: request.metadata,
      ...(request.expiresAt ? { expires_at: request.expiresAt.toISOString() } : {}),
    };
    const response = await this.call('POST', '/v1/envelopes', {
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', 'idempotency-key': request.idempotencyKey },
    });
    return toSummary(readJson(response));
  }

  async getEnvelope(envelopeId: string): Promise<EnvelopeSummary> {
    return toSummary(readJson(await this.call('GET', `/v1/envelopes/${encodeURIComponent(envelopeId)}`)));
  }

  async voidEnvelope(envelopeId: string, reason?: string): Promise<EnvelopeSummary> {
    const response = await this.call('POST', `/v1/envelopes/${encodeURIComponent(envelopeId)}/void`, {
      body: JSON.stringify(reason ? { reason } : {}),
      headers: { 'content-type': 'application/json' },
    });
    return toSummary(readJson(response));
  }

  downloadOriginalDocument(envelopeId: string): Promise<ProviderDocument> {
    return this.download(envelopeId, 'original');
  }

  downloadSignedDocument(envelopeId: string): Promise<ProviderDocument> {
    return this.download(envelopeId, 'signed');
  }

  downloadEvidence(envelopeId: string): Promise<ProviderDocument> {
    return this.download(envelopeId, 'audit-trail');
  }

  async signatureRecords(envelopeId: string): Promise<SignatureRecord[]> {
    const body = readJson(await this.call('GET', `/v1/envelopes/${encodeURIComponent(envelopeId)}/documents/evidence`));
    if (!Array.isArray(body.signers)) {
      throw new ProviderError('PROVIDER.UNAVAILABLE', 'The sandbox evidence document lists no signers');
    }
    return body.signers.map((raw: unknown) => {
      const s = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
      const signedAt = text(s.signed_at);
      return {
        email: String(s.email ?? '').toLowerCase(),
        name: text(s.name),
        signedAt: signedAt && !Number.isNaN(Date.parse(signedAt)) ? new Date(signedAt) : null,
        ip: text(s.ip),
        userAgent: text(s.user_agent),
        authMethod: text(s.auth_method),
        level: isSignatureLevel(s.signature_level) ? s.signature_level : null,
        otpVerified: typeof s.otp_verified === 'boolean' ? s.otp_verified : null,
      };
    });
  }

  private async download(envelopeId: string, kind: 'original' | 'signed' | 'audit-trail'): Promise<ProviderDocument> {
    const response = await this.call('GET', `/v1/envelopes/${encodeURIComponent(envelopeId)}/documents/${kind}`, {
      maxBodyBytes: MAX_DOCUMENT_BYTES,
    });
    const content = response.body;
    const stated = headerValue(response.headers, 'x-content-sha256');
    return {
      content,
      mediaType: headerValue(response.headers, 'content-type')?.split(';')[0]?.trim() || 'application/octet-stream',
      sha256: createHash('sha256').update(content).digest('hex'),
      statedSha256: stated && /^[0-9a-f]{64}$/i.test(stated) ? stated.toLowerCase() : null,
    };
  }

  /** One request with a deadline; every failure becomes a ProviderError with a stable code. */
  private async call(
    method: 'GET' | 'POST',
    path: string,
    init: { body?: string; headers?: Record<string, string>; maxBodyBytes?: number } = {},
  ): Promise<HttpAnswer> {
    let response: HttpAnswer;
    try {
      response = await httpCall({
        method,
        url: `${this.options.baseUrl}${path}`,
        body: init.body,
        headers: { accept: 'application/json', authorization: `Bearer ${this.options.apiKey}`, ...init.headers },
        timeoutMs: this.options.timeoutMs,
        maxBodyBytes: init.maxBodyBytes ?? MAX_JSON_BYTES,
      });
    } catch (error) {
      throw new ProviderError(
        'PROVIDER.UNAVAILABLE',
        `The sandbox platform at ${this.options.baseUrl} did not answer ${method} ${path}: ${describe(error)}`,
        undefined,
        { cause: error },
      );
    }
    if (response.status >= 200 && response.status < 300) return response;
    if (response.status >= 300 && response.status < 400) {
      // Only the configured base URL is trusted: a redirect is not followed, and not an answer either.
      const location = headerValue(response.headers, 'location') ?? 'nowhere';
      throw new ProviderError(
        'PROVIDER.UNAVAILABLE',
        `The sandbox platform redirected ${method} ${path} to ${location}, which is not followed`,
      );
    }
    const detail = problemDetail(response);
    const message = `The sandbox platform answered ${response.status} to ${method} ${path}${detail ? `: ${detail}` : ''}`;
    if (response.status === 404) throw new ProviderError('PROVIDER.ENVELOPE_NOT_FOUND', message);
    if (response.status === 409) throw new ProviderError('PROVIDER.CONFLICT', message);
    if (response.status >= 500 || response.status === 429 || response.status === 401 || response.status === 403) {
      // Our key being refused is our configuration's fault, not the caller's: report it as the platform being unusable.
      throw new ProviderError('PROVIDER.UNAVAILABLE', message);
    }
    throw new ProviderError('PROVIDER.REJECTED', message);
  }
}

function readJson(response: HttpAnswer): Json {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(response.body.toString('utf8'));
  } catch {
    // reported below, with the other shapes that are not an object
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProviderError(
      'PROVIDER.UNAVAILABLE',
      'The sandbox platform answered with a body that is not a JSON object',
    );
  }
  return parsed as Json;
}

function toSummary(body: Json): EnvelopeSummary {
  const { id, status, signers } = body;
  if (typeof id !== 'string' || typeof status !== 'string' || !Array.isArray(signers)) {
    throw new ProviderError(
      'PROVIDER.UNAVAILABLE',
      'The sandbox platform answered without an envelope id, status or signers',
    );
  }
  return {
    envelopeId: id,
    status,
    // The sandbox sends an envelope as it creates it: `created_at` is the instant of its `envelope.sent` webhook.
    sentAt: instant(body.created_at),
    completedAt: instant(body.completed_at),
    declinedAt: instant(body.declined_at),
    voidedAt: instant(body.voided_at),
    expiredAt: instant(body.expired_at),
    reason: text(body.reason),
    expiresAt: instant(body.expires_at),
    signers: signers.map((raw: unknown): EnvelopeSigner => {
      const signer = (typeof raw === 'object' && raw !== null ? raw : {}) as Json;
      return {
        email: String(signer.email ?? '').toLowerCase(),
        name: String(signer.name ?? ''),
        status: String(signer.status ?? ''),
        signingUrl: text(signer.signing_url),
        openedAt: instant(signer.opened_at),
        signedAt: instant(signer.signed_at),
        declinedAt: instant(signer.declined_at),
        ip: text(signer.ip),
        userAgent: text(signer.user_agent),
        authMethod: text(signer.auth_method),
        level: isSignatureLevel(signer.signature_level) ? signer.signature_level : null,
        otpVerified: typeof signer.otp_verified === 'boolean' ? signer.otp_verified : null,
      };
    }),
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** An ISO instant the platform gave, or null when it gave none or something else. */
function instant(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function problemDetail(response: HttpAnswer): string {
  const text = response.body.toString('utf8');
  try {
    const problem = JSON.parse(text) as Json;
    return [problem.code, problem.detail]
      .filter((p) => typeof p === 'string')
      .join(' ')
      .slice(0, 500);
  } catch {
    return text.slice(0, 200);
  }
}

function describe(error: unknown): string {
  if (error instanceof HttpCallError) return error.kind === 'TIMEOUT' ? 'timed out' : (error.code ?? error.message);
  return error instanceof Error ? error.message : String(error);
}
