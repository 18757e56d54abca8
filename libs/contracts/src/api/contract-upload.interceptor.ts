import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { from, switchMap, type Observable } from 'rxjs';
import { RequestInvalidError } from '@app/common';

/** The parts a `multipart/form-data` contract upload may have. */
const CONTRACT_FIELD = 'contract';
const DOCUMENT_FIELD = 'document';

/**
 * `POST /api/v1/contracts` as `multipart/form-data`: a `contract` field holding the JSON body (without
 * `document`) and a `document` file part. Rewritten here into the JSON shape, so validation, idempotency and
 * the use case see one kind of request. Runs before the idempotency interceptor (declared below it).
 */
@Injectable()
export class ContractUploadInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (typeof request.isMultipart !== 'function' || !request.isMultipart()) return next.handle();
    return from(readUpload(request)).pipe(switchMap(() => next.handle()));
  }
}

async function readUpload(request: FastifyRequest): Promise<void> {
  let contract: Record<string, unknown> | undefined;
  let document: { filename: string; contentBase64: string } | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'file') {
      if (part.fieldname !== DOCUMENT_FIELD || document) {
        await part.toBuffer();
        throw invalid(part.fieldname, `only one file part, named "${DOCUMENT_FIELD}", is accepted`);
      }
      // Over the limit, toBuffer throws Fastify's 413 (REQUEST.BODY_TOO_LARGE).
      const bytes = await part.toBuffer();
      document = { filename: part.filename, contentBase64: bytes.toString('base64') };
    } else if (part.fieldname === CONTRACT_FIELD) {
      contract = parseContract(part.value);
    } else {
      throw invalid(part.fieldname, `unknown field; send "${CONTRACT_FIELD}" (JSON) and "${DOCUMENT_FIELD}" (file)`);
    }
  }
  if (!contract) throw invalid(CONTRACT_FIELD, 'the JSON field is missing');
  if (!document) throw invalid(DOCUMENT_FIELD, 'the file part is missing');
  (request as { body: unknown }).body = { ...contract, document };
}

function parseContract(value: unknown): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(value));
  } catch {
    throw invalid(CONTRACT_FIELD, 'must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(CONTRACT_FIELD, 'must be a JSON object');
  }
  if ('document' in parsed) throw invalid(CONTRACT_FIELD, 'must not hold "document" when the file is uploaded');
  return parsed as Record<string, unknown>;
}

function invalid(field: string, problem: string): RequestInvalidError {
  return RequestInvalidError.forField(field, problem);
}
