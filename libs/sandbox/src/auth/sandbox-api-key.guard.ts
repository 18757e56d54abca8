import { timingSafeEqual } from 'node:crypto';
import { applyDecorators, CanActivate, ExecutionContext, Inject, Injectable, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { AppError } from '@app/common';

export const SANDBOX_API_KEY = Symbol('SANDBOX_API_KEY');

/** `Authorization: Bearer <SANDBOX_API_KEY>` on every `/v1` route, compared in constant time. */
@Injectable()
export class SandboxApiKeyGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(SANDBOX_API_KEY) apiKey: string) {
    this.expected = Buffer.from(apiKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined> }>()
      .headers.authorization;
    const presented = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1]?.trim() ?? '');
    if (presented.length === this.expected.length && timingSafeEqual(presented, this.expected)) return true;
    throw new AppError('AUTH.UNAUTHENTICATED', 'Missing or wrong sandbox API key (Authorization: Bearer <key>)');
  }
}

/** The sandbox API's authentication, with its Swagger description. */
export function SandboxAuth(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    UseGuards(SandboxApiKeyGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or wrong API key (problem+json, code AUTH.UNAUTHENTICATED)' }),
  );
}
