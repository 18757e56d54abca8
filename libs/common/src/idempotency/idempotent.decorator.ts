import { applyDecorators, SetMetadata, UseInterceptors } from '@nestjs/common';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENT_OPTIONS, type IdempotentOptions } from './idempotent-options';

/**
 * Makes a POST safe to retry: with an `Idempotency-Key` header, the first answer is stored and a retry
 * with the same key and the same request gets it back (with `Idempotent-Replayed: true`) instead of
 * running again. Keys are per API key; put it on an authenticated route.
 */
export function Idempotent(options: IdempotentOptions = {}): MethodDecorator {
  return applyDecorators(
    SetMetadata(IDEMPOTENT_OPTIONS, options),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Optional; 1 to 255 printable ASCII characters, unique per request (a UUID is a good choice). A retry with ' +
        'the same key and the same method, path and body gets the first answer again (same status and body, ' +
        'header `Idempotent-Replayed: true`) and changes nothing. 4xx answers are kept too; after a 5xx the key ' +
        'is free again. While the first request runs, a retry gets 409 IDEMPOTENCY.REQUEST_IN_PROGRESS with ' +
        '`Retry-After`. A malformed key is 400 IDEMPOTENCY.KEY_INVALID. Keys are remembered for 24 hours ' +
        '(IDEMPOTENCY_TTL_HOURS) per API key.',
      schema: { type: 'string', minLength: 1, maxLength: 255, example: '6f1c2a0e-8d8b-4e57-9a44-2b1de0c3f7a1' },
    }),
    ApiResponse({
      status: 422,
      description: 'The Idempotency-Key was first used for a different method, path or body (IDEMPOTENCY.KEY_REUSED)',
    }),
  );
}
