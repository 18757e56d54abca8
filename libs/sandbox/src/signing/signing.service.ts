import { Inject, Injectable } from '@nestjs/common';
import { SANDBOX_CONFIG, type SandboxConfig } from '../config/sandbox-config';
import type { SandboxQueryable } from '../database/sandbox-database';
import { findEnvelope, findSignerByToken, signersOf } from '../envelopes/envelope.repository';
import {
  authMethodFor,
  certificatesFor,
  hasActed,
  type EnvelopeRow,
  type SignatureLevel,
  type SignerRow,
} from '../envelopes/envelope.types';
import { signerSummary } from '../envelopes/invitations';
import { otpMail } from '../mailbox/mail-templates';
import { EnvelopeTransactions, type Actor, type EnvelopeChanges } from '../platform/envelope-transactions';
import { SandboxError } from '../sandbox.errors';
import { EnvelopeCompletion } from './envelope-completion';
import { checkOtp, generateOtp, hashOtp, type StoredOtp } from './otp';

export interface SignInput {
  consent: boolean;
  code?: string;
  certificate?: string;
  /** Only `simulate` signs at another level than the envelope's. */
  level?: SignatureLevel;
}

/** A refused signature that still changes state (a failed code counts), so it commits rather than throws. */
export type SignOutcome =
  | { outcome: 'signed'; completed: boolean }
  | {
      outcome: 'rejected';
      reason: 'wrong_code' | 'expired_code' | 'no_code_sent';
      attemptsLeft: number;
      locked: boolean;
    };

interface Locked {
  envelope: EnvelopeRow;
  signer: SignerRow;
  signers: SignerRow[];
}

/**
 * What a signer does through the signing page, and what `simulate` does in their place: the same code.
 * Each action locks the envelope row first, so two signers finishing at once cannot both miss completion.
 */
@Injectable()
export class SigningService {
  constructor(
    private readonly transactions: EnvelopeTransactions,
    private readonly completion: EnvelopeCompletion,
    @Inject(SANDBOX_CONFIG) private readonly config: SandboxConfig,
  ) {}

  /** Records the first open; later opens, or opens of a finished envelope, change nothing. Returns whether it did. */
  async open(token: string, actor: Actor): Promise<boolean> {
    const { result } = await this.transactions.run(async (changes) => {
      const { envelope, signer } = await lockByToken(changes.tx, token);
      if (envelope.status !== 'sent' || hasActed(signer) || signer.opened_at !== null) return false;
      await changes.tx.query(
        `UPDATE signers SET status = 'opened', opened_at = $2, ip = $3, user_agent = $4 WHERE id = $1`,
        [signer.id, changes.now, actor.ip, actor.userAgent],
      );
      changes.audit(envelope.id, 'opened', { signerId: signer.id, actor });
      changes.webhook(envelope, 'envelope.opened', { signer: signerSummary(signer) });
      return true;
    });
    return result;
  }

  /** Advanced signatures: mails a fresh 6-digit code (stored hashed; earlier codes stop counting). */
  async requestOtp(token: string, actor: Actor): Promise<void> {
    await this.transactions.run(async (changes) => {
      const { envelope, signer } = await lockByToken(changes.tx, token);
      assertCanAct(envelope, signer);
      if (envelope.signature_level !== 'advanced') {
        throw new SandboxError('SIGNER.INVALID_STATE', 'Only advanced signatures use a one-time code');
      }
      const code = generateOtp();
      const expiresAt = new Date(changes.now.getTime() + this.config.otp.ttlSeconds * 1000);
      await changes.tx.query(
        'INSERT INTO otp_codes (signer_id, code_hash, expires_at, created_at) VALUES ($1, $2, $3, $4)',
        [signer.id, hashOtp(code), expiresAt, changes.now],
      );
      changes.mail(otpMail(envelope, signer, code, this.config.otp.ttlSeconds));
      changes.audit(envelope.id, 'otp_sent', { signerId: signer.id, actor, detail: { to: signer.email } });
    });
  }

  async sign(token: string, input: SignInput, actor: Actor): Promise<SignOutcome> {
    if (!input.consent)
      throw new SandboxError('SIGNING.CONSENT_REQUIRED', 'Tick the box to agree to sign electronically');
    const { result } = await this.transactions.run(async (changes): Promise<SignOutcome> => {
      const { envelope, signer, signers } = await lockByToken(changes.tx, token);
      assertCanAct(envelope, signer);
      const level = input.level ?? envelope.signature_level;
      let otpVerified = false;
      let certificate: string | null = null;
      if (level === 'advanced') {
        if (actor.simulated) otpVerified = true;
        else {
          const rejected = await this.verifyCode(changes, envelope, signer, input.code, actor);
          if (rejected) return rejected;
          otpVerified = true;
        }
      } else if (level === 'qualified') {
        const offered = certificatesFor(signer);
        certificate = actor.simulated && !input.certificate ? offered[0] : (input.certificate ?? '');
        if (!offered.includes(certificate)) {
          throw new SandboxError('SIGNING.CERTIFICATE_REQUIRED', 'Choose one of your qualified certificates');
        }
      }
      const authMethod = authMethodFor(level);
      const [signed] = await changes.tx.query<SignerRow>(
        `UPDATE signers SET status = 'signed', signed_at = $2, ip = $3, user_agent = $4, auth_method = $5,
           signature_level = $6, otp_verified = $7, consent_at = $2, certificate = $8 WHERE id = $1 RETURNING *`,
        [signer.id, changes.now, actor.ip, actor.userAgent, authMethod, level, otpVerified, certificate],
      );
      const facts = { auth_method: authMethod, signature_level: level, otp_verified: otpVerified };
      changes.audit(envelope.id, 'signed', { signerId: signer.id, actor, detail: { ...facts, certificate } });
      changes.webhook(envelope, 'signer.signed', {
        signer: {
          ...signerSummary(signer),
          ip: actor.ip,
          user_agent: actor.userAgent,
          ...facts,
          signed_at: changes.now.toISOString(),
        },
      });
      // Every signer as it now stands: the others as locked, this one as just updated.
      const current = signers.map((s) => (s.id === signed.id ? signed : s));
      const completed = current.every((s) => s.status === 'signed');
      if (completed) await this.completion.complete(changes, envelope, current);
      return { outcome: 'signed', completed };
    });
    return result;
  }

  async decline(token: string, reason: string | null, actor: Actor): Promise<void> {
    await this.transactions.run(async (changes) => {
      const { envelope, signer } = await lockByToken(changes.tx, token);
      assertCanAct(envelope, signer);
      await changes.tx.query(
        `UPDATE signers SET status = 'declined', declined_at = $2, ip = $3, user_agent = $4 WHERE id = $1`,
        [signer.id, changes.now, actor.ip, actor.userAgent],
      );
      await changes.tx.query(
        `UPDATE envelopes SET status = 'declined', declined_at = $2, decline_reason = $3 WHERE id = $1`,
        [envelope.id, changes.now, reason],
      );
      changes.audit(envelope.id, 'declined', { signerId: signer.id, actor, detail: { reason } });
      changes.webhook(envelope, 'envelope.declined', { signer: signerSummary(signer), reason });
    });
  }

  /** Checks the code against the latest one sent; a miss counts, and too many lock the signer out. */
  private async verifyCode(
    changes: EnvelopeChanges,
    envelope: EnvelopeRow,
    signer: SignerRow,
    code: string | undefined,
    actor: Actor,
  ): Promise<SignOutcome | undefined> {
    if (!code?.trim()) throw new SandboxError('SIGNING.CODE_REQUIRED', 'Enter the code we sent you by e-mail');
    const [latest] = await changes.tx.query<StoredOtp & { id: string }>(
      'SELECT id, code_hash, expires_at, used_at FROM otp_codes WHERE signer_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1',
      [signer.id],
    );
    const check = checkOtp(code, latest, changes.now);
    if (check === 'valid') {
      await changes.tx.query('UPDATE otp_codes SET used_at = $2 WHERE id = $1', [latest.id, changes.now]);
      return undefined;
    }
    const failures = signer.otp_failures + 1;
    const locked = failures >= this.config.otp.maxAttempts;
    await changes.tx.query(
      `UPDATE signers SET otp_failures = $2, status = CASE WHEN $3 THEN 'locked' ELSE status END WHERE id = $1`,
      [signer.id, failures, locked],
    );
    const reason = check === 'wrong' ? 'wrong_code' : check === 'expired' ? 'expired_code' : 'no_code_sent';
    changes.audit(envelope.id, 'otp_failed', { signerId: signer.id, actor, detail: { reason, failures } });
    if (locked) {
      changes.audit(envelope.id, 'locked', {
        signerId: signer.id,
        actor,
        detail: { reason: 'too many wrong codes' },
      });
      changes.webhook(envelope, 'signer.authentication_failed', {
        signer: signerSummary(signer),
        reason: 'too many wrong codes',
      });
    }
    return { outcome: 'rejected', reason, attemptsLeft: Math.max(0, this.config.otp.maxAttempts - failures), locked };
  }
}

/** The signer by token, and its envelope locked (FOR UPDATE) for the rest of the transaction. */
export async function lockByToken(tx: SandboxQueryable, token: string): Promise<Locked> {
  const found = await findSignerByToken(tx, token);
  if (!found) throw new SandboxError('SIGNER.NOT_FOUND', 'No signer has this signing link');
  const envelope = await findEnvelope(tx, found.envelope_id, true);
  const signers = await signersOf(tx, envelope.id);
  const signer = signers.find((s) => s.id === found.id) ?? found;
  return { envelope, signer, signers };
}

export function assertCanAct(envelope: EnvelopeRow, signer: SignerRow): void {
  if (envelope.status !== 'sent') throw new SandboxError('ENVELOPE.NOT_SENT', `The envelope is ${envelope.status}`);
  if (hasActed(signer)) throw new SandboxError('SIGNER.INVALID_STATE', `The signer has ${signer.status}`);
}
