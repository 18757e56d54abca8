import { createHash } from 'node:crypto';
import { HttpException } from '@nestjs/common';
import { AppError, statusForCode } from '../errors/app-error';
import { IDEMPOTENCY_ERRORS } from './idempotency.errors';

/**
 * The pure part of `Idempotency-Key`: what a valid key is, what makes two requests "the same", and what
 * to do with a stored row or a failed attempt. No I/O here; the interceptor and the store do that.
 */

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

const KEY_PATTERN = /^[\x20-\x7e]{1,255}$/;

/** The header's value (when sent); throws KEY_INVALID for anything but one value of 1..255 printable ASCII. */
export function parseIdempotencyKey(header: string | string[]): string {
  if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
    throw new AppError(
      IDEMPOTENCY_ERRORS.KEY_INVALID,
      'Idempotency-Key must be sent once, as 1 to 255 printable ASCII characters',
    );
  }
  return header;
}

/** JSON with object keys sorted at every depth, so key order and whitespace do not change a request's hash. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) sorted[key] = sortKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

export interface RequestFingerprint {
  method: string;
  path: string;
  requestHash: string;
}

export function fingerprintOf(method: string, url: string, body: unknown): RequestFingerprint {
  const path = url.split('?')[0];
  const requestHash = createHash('sha256')
    .update(canonicalJson(body ?? null), 'utf8')
    .digest('hex');
  return { method: method.toUpperCase(), path, requestHash };
}

/** What differs between the request that first used a key and this one; empty when they match. */
export function mismatchOf(stored: RequestFingerprint, current: RequestFingerprint): ('method' | 'path' | 'body')[] {
  const differs: ('method' | 'path' | 'body')[] = [];
  if (stored.method !== current.method) differs.push('method');
  if (stored.path !== current.path) differs.push('path');
  if (stored.requestHash !== current.requestHash) differs.push('body');
  return differs;
}

export interface StoredKey extends RequestFingerprint {
  status: 'in_progress' | 'completed';
  responseStatus: number | null;
  responseBody: unknown;
  /** `locked_until` is in the future (as the database's clock sees it). */
  locked: boolean;
}

export type ExistingKeyDecision =
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'reused'; differs: ('method' | 'path' | 'body')[] }
  | { kind: 'in-progress' }
  | { kind: 'take-over' };

/** A key already has a row: replay it, refuse it, or take over a claim whose holder stopped renewing it. */
export function decideExisting(row: StoredKey, current: RequestFingerprint): ExistingKeyDecision {
  const differs = mismatchOf(row, current);
  if (differs.length > 0) return { kind: 'reused', differs };
  switch (row.status) {
    case 'completed':
      return { kind: 'replay', status: row.responseStatus ?? 200, body: row.responseBody };
    case 'in_progress':
      return row.locked ? { kind: 'in-progress' } : { kind: 'take-over' };
  }
}

export function reusedError(key: string, stored: RequestFingerprint, differs: string[]): AppError {
  return new AppError(
    IDEMPOTENCY_ERRORS.KEY_REUSED,
    `Idempotency-Key "${key}" was first used for a different request (${differs.join(', ')} differ): ` +
      `it was ${stored.method} ${stored.path}. Use a new key for a new request.`,
    { differs, original: { method: stored.method, path: stored.path } },
  );
}

export function inProgressError(key: string): AppError {
  return new AppError(
    IDEMPOTENCY_ERRORS.REQUEST_IN_PROGRESS,
    `A request with Idempotency-Key "${key}" is still being processed; retry shortly.`,
  );
}

/**
 * How a failed attempt ends: a 4xx is the request's answer and is kept (a retry gets the same one);
 * a 5xx or an unknown error says nothing about the request, so the claim is released for a retry.
 */
export function failureOutcome(error: unknown): 'keep' | 'release' {
  return errorStatus(error) < 500 ? 'keep' : 'release';
}

/** The HTTP status the ProblemFilter will give this error (see toProblem). */
export function errorStatus(error: unknown): number {
  if (error instanceof AppError) return statusForCode(error.code);
  if (error instanceof HttpException) return error.getStatus();
  if (typeof error === 'object' && error !== null) {
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return status;
  }
  return 500;
}
