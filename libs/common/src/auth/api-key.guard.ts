import { applyDecorators, CanActivate, ExecutionContext, Injectable, SetMetadata, UseGuards } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { ApiScope } from '@app/domain';
import { AppError } from '../errors/app-error';
import type { ApiPrincipal } from './api-key.service';

const SCOPE_KEY = 'signbridge:scope';

@Injectable()
export class ScopeGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<ApiScope | undefined>(SCOPE_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!required) return true;
    const principal = context.switchToHttp().getRequest<{ user?: ApiPrincipal }>().user;
    if (principal && (principal.scopes.includes(required) || principal.scopes.includes('admin'))) return true;
    throw new AppError('AUTH.FORBIDDEN', `This API key lacks the "${required}" scope`);
  }
}

/** Bearer API key with the given scope (an `admin` key has every scope). */
export function RequireScope(scope: ApiScope): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(SCOPE_KEY, scope),
    UseGuards(AuthGuard('api-key'), ScopeGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or unknown API key (problem+json, code AUTH.UNAUTHENTICATED)' }),
    ApiForbiddenResponse({ description: `The key lacks the "${scope}" scope (problem+json, code AUTH.FORBIDDEN)` }),
  );
}
