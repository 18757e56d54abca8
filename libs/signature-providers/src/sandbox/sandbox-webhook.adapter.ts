import { parseInstant, unstorableText } from '@app/common';
import { isSignatureLevel } from '@app/domain';
import {
  MalformedWebhookError,
  type ParsedWebhook,
  type VerificationResult,
  type WebhookAdapter,
  type WebhookRequest,
} from '../provider-adapter';
import type { SignatureEvent, SignatureEventType, SignerDetails } from '../signature-event';
import { parseWebhookSecret, verifyStandardWebhook } from '../standard-webhooks/standard-webhooks';

export interface SandboxWebhookAdapterOptions {
  /** `whsec_<base64>` secrets; two during a rotation. */
  secrets: readonly string[];
  toleranceSeconds: number;
}

/** Sandbox type → canonical type. A Map, not an object literal, so `constructor` or `__proto__` never match. */
const SANDBOX_EVENT_TYPES: ReadonlyMap<string, SignatureEventType> = new Map<string, SignatureEventType>([
  ['envelope.sent', 'sent'],
  ['envelope.delivered', 'delivered'],
  ['envelope.delivery_failed', 'delivery_failed'],
  ['envelope.opened', 'opened'],
  ['signer.signed', 'signer_signed'],
  ['signer.authentication_failed', 'authentication_failed'],
  ['envelope.completed', 'completed'],
  ['envelope.declined', 'declined'],
  ['envelope.expired', 'expired'],
  ['envelope.voided', 'voided'],
  ['envelope.evidence_ready', 'evidence_ready'],
]);

/** Events that mean nothing without knowing which signer acted. */
const SIGNER_REQUIRED: ReadonlySet<SignatureEventType> = new Set<SignatureEventType>([
  'signer_signed',
  'authentication_failed',
]);

const MAX_ENVELOPE_ID_LENGTH = 200;
// Spec types are short dotted names; anything longer is not a type we could ever map, and it gets stored.
const MAX_TYPE_LENGTH = 200;
const MAX_EMAIL_LENGTH = 320;

type JsonObject = Record<string, unknown>;

export class SandboxWebhookAdapter implements WebhookAdapter {
  readonly provider = 'sandbox';
  private readonly keys: readonly Buffer[];
  private readonly toleranceSeconds: number;

  constructor(options: SandboxWebhookAdapterOptions) {
    // Decoded once here so a bad secret fails at boot, not on the first delivery.
    this.keys = options.secrets.map((secret, index) => {
      try {
        return parseWebhookSecret(secret);
      } catch (error) {
        throw new Error(`Sandbox webhook secrets[${index}]: ${(error as Error).message}`, { cause: error });
      }
    });
    if (!Number.isFinite(options.toleranceSeconds) || options.toleranceSeconds < 0) {
      throw new Error('Sandbox webhook toleranceSeconds must be a finite number >= 0');
    }
    this.toleranceSeconds = options.toleranceSeconds;
  }

  verify(request: WebhookRequest, now: Date): VerificationResult {
    return verifyStandardWebhook({
      headers: request.headers,
      rawBody: request.rawBody,
      secrets: this.keys,
      now,
      toleranceSeconds: this.toleranceSeconds,
    });
  }

  parse(request: WebhookRequest, providerEventId: string): ParsedWebhook {
    const body = parseJsonObject(request.rawBody);
    const providerType = body.type;
    if (typeof providerType !== 'string' || providerType.length === 0) {
      throw new MalformedWebhookError('type', 'type must be a non-empty string');
    }
    if (providerType.length > MAX_TYPE_LENGTH) {
      throw new MalformedWebhookError('type', `type exceeds ${MAX_TYPE_LENGTH} characters`);
    }
    refuseUnstorable(providerType, 'type');

    const type = SANDBOX_EVENT_TYPES.get(providerType);
    if (type === undefined) {
      const envelopeId = isJsonObject(body.data) ? body.data.envelope_id : undefined;
      return { known: false, events: [], envelopeId: isValidEnvelopeId(envelopeId) ? envelopeId : null, providerType };
    }

    const data = body.data;
    if (!isJsonObject(data)) throw new MalformedWebhookError('data', 'data must be an object');
    const envelopeId = data.envelope_id;
    if (!isValidEnvelopeId(envelopeId)) {
      throw new MalformedWebhookError(
        'data.envelope_id',
        `data.envelope_id must be a non-empty string of at most ${MAX_ENVELOPE_ID_LENGTH} characters, storable text`,
      );
    }
    const occurredAt = readTimestamp(body.timestamp);
    const signer = readSigner(data.signer, providerType, SIGNER_REQUIRED.has(type));
    const reason = readOptionalString(data.reason, 'data.reason');

    const event: SignatureEvent = { provider: this.provider, providerEventId, envelopeId, type, occurredAt };
    if (signer !== undefined) event.signer = signer;
    if (reason !== undefined) event.reason = reason;
    return { known: true, events: [event], envelopeId, providerType };
  }
}

function parseJsonObject(rawBody: Buffer): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody.toString('utf8'));
  } catch {
    // The parser's message quotes the offending text; the body stays out of the error.
    throw new MalformedWebhookError('body', 'body is not valid JSON');
  }
  if (!isJsonObject(parsed)) throw new MalformedWebhookError('body', 'body must be a JSON object');
  return parsed;
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidEnvelopeId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.trim().length > 0 &&
    value.length <= MAX_ENVELOPE_ID_LENGTH &&
    unstorableText(value) === undefined
  );
}

/**
 * PostgreSQL cannot hold the NUL character (text, jsonb) nor a lone surrogate (jsonb): a field that carries one could
 * never be stored, and would fail the group commit it shares with other deliveries, or the contract's lifecycle
 * write. Refused here, as malformed, before anything is stored.
 */
function refuseUnstorable(value: string, field: string): string {
  const unstorable = unstorableText(value);
  if (unstorable) throw new MalformedWebhookError(field, `${field} must not contain ${unstorable}`);
  return value;
}

function readTimestamp(value: unknown): Date {
  if (typeof value !== 'string') {
    throw new MalformedWebhookError('timestamp', 'timestamp must be an ISO 8601 string');
  }
  const instant = parseInstant(value);
  if (instant === null) {
    throw new MalformedWebhookError('timestamp', 'timestamp must be an ISO 8601 date-time with a UTC offset');
  }
  return instant;
}

function readSigner(value: unknown, providerType: string, required: boolean): SignerDetails | undefined {
  if (value === undefined || value === null) {
    if (required) throw new MalformedWebhookError('data.signer', `data.signer is required for ${providerType}`);
    return undefined;
  }
  if (!isJsonObject(value)) throw new MalformedWebhookError('data.signer', 'data.signer must be an object');

  const signer: SignerDetails = { email: readEmail(value.email) };
  const name = readOptionalString(value.name, 'data.signer.name');
  const ip = readOptionalString(value.ip, 'data.signer.ip');
  const userAgent = readOptionalString(value.user_agent, 'data.signer.user_agent');
  const authMethod = readOptionalString(value.auth_method, 'data.signer.auth_method');
  if (name !== undefined) signer.name = name;
  if (ip !== undefined) signer.ip = ip;
  if (userAgent !== undefined) signer.userAgent = userAgent;
  if (authMethod !== undefined) signer.authMethod = authMethod;

  const otpVerified = value.otp_verified;
  if (otpVerified !== undefined && otpVerified !== null) {
    if (typeof otpVerified !== 'boolean') {
      throw new MalformedWebhookError('data.signer.otp_verified', 'data.signer.otp_verified must be a boolean');
    }
    signer.otpVerified = otpVerified;
  }

  const level = value.signature_level;
  if (level !== undefined && level !== null) {
    if (!isSignatureLevel(level)) {
      throw new MalformedWebhookError(
        'data.signer.signature_level',
        'data.signer.signature_level must be one of simple, advanced, qualified',
      );
    }
    signer.level = level;
  }
  return signer;
}

function readEmail(value: unknown): string {
  if (typeof value !== 'string') {
    throw new MalformedWebhookError('data.signer.email', 'data.signer.email must be a string');
  }
  // Lower-cased so the same signer matches across providers and events; local parts are case-insensitive in practice.
  const email = refuseUnstorable(value, 'data.signer.email').trim().toLowerCase();
  const at = email.indexOf('@');
  if (email.length > MAX_EMAIL_LENGTH || at < 1 || at === email.length - 1) {
    throw new MalformedWebhookError('data.signer.email', 'data.signer.email is not an email address');
  }
  return email;
}

/** null counts as absent: JSON encoders commonly emit it for unset optional fields. */
function readOptionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new MalformedWebhookError(field, `${field} must be a string`);
  return refuseUnstorable(value, field);
}
