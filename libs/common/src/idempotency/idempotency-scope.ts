import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';

/** What an Idempotency-Key names: the API key that sent the request, and the key itself. */
export interface IdempotencyScope {
  principalId: string;
  key: string;
}

/** Where the interceptor leaves the scope of the request it let through. */
export interface WithIdempotencyScope {
  idempotencyScope?: IdempotencyScope;
}

/**
 * The handler parameter carrying the request's `IdempotencyScope` (as the interceptor of `@Idempotent()` parsed
 * it), or undefined when the request sent no Idempotency-Key: for a use case whose effect must recognise its own
 * retry even after the stored answer was lost (a crash between the handler's commit and the answer's).
 */
export const RequestIdempotency = createParamDecorator(
  (_: unknown, context: ExecutionContext): IdempotencyScope | undefined =>
    context.switchToHttp().getRequest<WithIdempotencyScope>().idempotencyScope,
);

/** A stable digest of the scope (hex SHA-256): what a record keeps to know the request that made it. */
export function idempotencyDigest({ principalId, key }: IdempotencyScope): string {
  return createHash('sha256').update(`${principalId}\n${key}`).digest('hex');
}
