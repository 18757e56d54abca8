import type { SignatureEvent } from './signature-event';

export type HeaderMap = Record<string, string | string[] | undefined>;

export interface WebhookRequest {
  /** Lower-cased header names, as Node delivers them. */
  headers: HeaderMap;
  /** The exact bytes received; signatures are computed over these, never over re-serialised JSON. */
  rawBody: Buffer;
}

export type VerificationResult =
  | { ok: true; providerEventId: string }
  | {
      ok: false;
      reason: 'missing_headers' | 'bad_signature' | 'stale_timestamp' | 'no_secret_configured';
      detail: string;
    };

/**
 * What ingress needs to know before storing a delivery: its envelope and type, so the row can be found later.
 * `known: false` marks a type the adapter does not map: it is stored and ignored, never an error.
 */
export interface ParsedWebhook {
  envelopeId: string | null;
  providerType: string;
  known: boolean;
  events: SignatureEvent[];
}

/** A body that authenticated but does not have the shape the provider documents. Ingress answers 400. */
export class MalformedWebhookError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'MalformedWebhookError';
  }
}

/** One per signature platform: authenticate a delivery and translate it into canonical events. */
export interface WebhookAdapter {
  readonly provider: string;
  verify(request: WebhookRequest, now: Date): VerificationResult;
  /** Throws MalformedWebhookError when the body is not what the provider sends. Pure: no I/O, no clock. */
  parse(request: WebhookRequest, providerEventId: string): ParsedWebhook;
}
