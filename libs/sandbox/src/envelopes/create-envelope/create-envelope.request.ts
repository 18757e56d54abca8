import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { PDFDocument } from 'pdf-lib';
import { RequestInvalidError, validationProblems } from '@app/common';
import { sha256Hex } from '../../platform/ids';
import { invalidField } from '../../sandbox.errors';
import type { CreateEnvelopeCommand } from './create-envelope.command';
import { CreateEnvelopeDto, CreateEnvelopeFieldsDto } from './create-envelope.dto';

export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
const DEFAULT_EXPIRY_MS = 30 * 24 * 3600 * 1000;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A multipart part as @fastify/multipart attaches it to the body (`attachFieldsToBody: true`). */
interface MultipartPart {
  type: 'field' | 'file';
  fieldname: string;
  value?: unknown;
  filename?: string;
  toBuffer?: () => Promise<Buffer>;
}

/**
 * Turns either request form into one command: JSON with `document.content_base64`, or multipart with the
 * file in `document` and `signers` / `metadata` as JSON text. Every problem is a 400 naming its field.
 */
export async function parseCreateEnvelopeRequest(body: unknown, multipart: boolean): Promise<CreateEnvelopeCommand> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw RequestInvalidError.forField('body', 'expected a JSON object or multipart/form-data');
  }
  if (multipart) return parseMultipart(body as Record<string, MultipartPart | MultipartPart[]>);
  const dto = await validated(CreateEnvelopeDto, body);
  const encoded = dto.document.content_base64.replace(/\s+/g, '');
  if (!BASE64.test(encoded) || encoded.length % 4 === 1) {
    throw invalidField('document.content_base64', 'is not base64');
  }
  const bytes = Buffer.from(encoded, 'base64');
  return toCommand(dto, dto.document.filename, bytes, 'document.content_base64');
}

async function parseMultipart(parts: Record<string, MultipartPart | MultipartPart[]>): Promise<CreateEnvelopeCommand> {
  const fields: Record<string, unknown> = {};
  let file: { filename: string; bytes: Buffer } | undefined;
  for (const [name, value] of Object.entries(parts)) {
    if (Array.isArray(value)) throw invalidField(name, 'given more than once');
    if (value.type === 'file') {
      if (name !== 'document') throw invalidField(name, 'unexpected file; the PDF goes in the field "document"');
      file = { filename: value.filename || 'document.pdf', bytes: await value.toBuffer!() };
      continue;
    }
    const text = String(value.value ?? '');
    if (name === 'signers' || name === 'metadata') {
      try {
        fields[name] = JSON.parse(text) as unknown;
      } catch {
        throw invalidField(name, 'must be JSON text');
      }
    } else {
      fields[name] = text === '' && name === 'expires_at' ? undefined : text;
    }
  }
  if (!file) throw invalidField('document', 'a PDF file is required');
  const dto = await validated(CreateEnvelopeFieldsDto, fields);
  return toCommand(dto, file.filename, file.bytes, 'document');
}

async function toCommand(
  dto: CreateEnvelopeFieldsDto,
  filename: string,
  bytes: Buffer,
  documentField: string,
): Promise<CreateEnvelopeCommand> {
  if (bytes.length === 0) throw invalidField(documentField, 'is empty');
  if (bytes.length > MAX_DOCUMENT_BYTES) throw invalidField(documentField, 'is larger than 10 MB');
  const pages = await pdfPageCount(bytes, documentField);
  const signers = dto.signers.map((s) => ({
    name: s.name.trim(),
    email: s.email.toLowerCase(),
    phone: s.phone ?? null,
  }));
  if (new Set(signers.map((s) => s.email)).size !== signers.length) {
    throw invalidField('signers', 'two signers have the same email');
  }
  const expiresAt = dto.expires_at ? new Date(dto.expires_at) : new Date(Date.now() + DEFAULT_EXPIRY_MS);
  if (expiresAt.getTime() <= Date.now()) throw invalidField('expires_at', 'must be in the future');
  const sha256 = sha256Hex(bytes);
  const metadata = dto.metadata ?? {};
  const requestHash = sha256Hex(
    JSON.stringify([
      dto.title,
      filename,
      sha256,
      signers,
      dto.signature_level,
      dto.expires_at ?? null,
      dto.webhook_url,
      metadata,
    ]),
  );
  return {
    title: dto.title,
    document: { filename, bytes, sha256, pages },
    signers,
    signatureLevel: dto.signature_level,
    requestedExpiresAt: dto.expires_at ?? null,
    expiresAt,
    webhookUrl: dto.webhook_url,
    metadata,
    requestHash,
  };
}

async function pdfPageCount(bytes: Buffer, field: string): Promise<number> {
  if (bytes.subarray(0, 5).toString('latin1') !== '%PDF-') throw invalidField(field, 'is not a PDF');
  try {
    const pdf = await PDFDocument.load(bytes, { updateMetadata: false });
    if (pdf.getPageCount() === 0) throw new Error('no pages');
    return pdf.getPageCount();
  } catch (error) {
    throw invalidField(field, `is not a readable PDF (${(error as Error).message.split('\n')[0]})`);
  }
}

async function validated<T extends object>(type: new () => T, plain: object): Promise<T> {
  const instance = plainToInstance(type, plain);
  const errors = await validate(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length === 0) return instance;
  throw RequestInvalidError.forFields(validationProblems(errors));
}
