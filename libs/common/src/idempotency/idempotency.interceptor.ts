import { CallHandler, ExecutionContext, Inject, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { defer, lastValueFrom, type Observable } from 'rxjs';
import type { DataSource } from 'typeorm';
import type { ApiPrincipal } from '../auth/api-key.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { PROBLEM_CONTENT_TYPE, type ProblemDocument } from '../errors/problem';
import { toProblem } from '../errors/problem.filter';
import {
  decideExisting,
  failureOutcome,
  fingerprintOf,
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  inProgressError,
  parseIdempotencyKey,
  reusedError,
  type RequestFingerprint,
} from './idempotency-rules';
import type { WithIdempotencyScope } from './idempotency-scope';
import { IDEMPOTENT_OPTIONS, type IdempotentOptions } from './idempotent-options';
import { IdempotencyStore, type IdempotencyClaim } from './idempotency.store';

/** Claims can vanish between two statements (a 5xx released one); after this many rounds, answer 409. */
const MAX_ROUNDS = 3;

/**
 * `Idempotency-Key` for one route (see @Idempotent): the first request with a key runs and its answer is
 * stored; a retry with the same key and the same request gets that answer again and runs nothing.
 * It runs after the guards (request.user is set) and before the pipes, so a validation error reaches it
 * as an error of the handler and is kept like any other 4xx.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  private readonly store: IdempotencyStore;

  // Built from what every module already sees (the DataSource, the config), so a controller in any module
  // can use @Idempotent() without importing a provider.
  constructor(
    @InjectDataSource() dataSource: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly reflector: Reflector,
  ) {
    this.store = new IdempotencyStore(dataSource, config.idempotency);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: ApiPrincipal } & WithIdempotencyScope>();
    const reply = http.getResponse<FastifyReply>();
    const header = request.headers[IDEMPOTENCY_KEY_HEADER];
    // Without a key the request runs as usual, and the handler's own result (even a stream) goes through untouched.
    if (header === undefined) return next.handle();
    return defer(async () => {
      const key = parseIdempotencyKey(header);
      const principal = request.user;
      if (!principal) throw new Error('@Idempotent() needs an authenticated route: request.user is not set');
      const fingerprint = fingerprintOf(request.method, request.url, request.body);
      request.idempotencyScope = { principalId: principal.keyId, key };
      const options = this.reflector.get<IdempotentOptions | undefined>(IDEMPOTENT_OPTIONS, context.getHandler());
      return this.handle(principal.keyId, key, fingerprint, request, reply, next, options ?? {});
    });
  }

  private async handle(
    principalId: string,
    key: string,
    fingerprint: RequestFingerprint,
    request: FastifyRequest,
    reply: FastifyReply,
    next: CallHandler,
    options: IdempotentOptions,
  ): Promise<unknown> {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const claim = await this.store.claim(principalId, key, fingerprint);
      if (claim) return this.run(claim, reply, next, options);
      const row = await this.store.find(principalId, key);
      if (!row) continue;
      const decision = decideExisting(row, fingerprint);
      switch (decision.kind) {
        case 'replay':
          void reply.status(decision.status).header(IDEMPOTENT_REPLAYED_HEADER, 'true');
          if (decision.status < 400 || !isProblem(decision.body)) return decision.body ?? undefined;
          // The stored problem is what the ProblemFilter sent, before it added `instance`: add it the same way.
          void reply.header('content-type', PROBLEM_CONTENT_TYPE);
          return { ...decision.body, instance: request.url };
        case 'reused':
          throw reusedError(key, row, decision.differs);
        case 'in-progress':
          void reply.header('Retry-After', '1');
          throw inProgressError(key);
        case 'take-over': {
          const taken = await this.store.takeOver(principalId, key);
          if (taken) {
            this.logger.warn(`took over Idempotency-Key "${key}" of key ${principalId}: its lease had expired`);
            return this.run(taken, reply, next, options);
          }
          continue;
        }
      }
    }
    void reply.header('Retry-After', '1');
    throw inProgressError(key);
  }

  private async run(
    claim: IdempotencyClaim,
    reply: FastifyReply,
    next: CallHandler,
    options: IdempotentOptions,
  ): Promise<unknown> {
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      if (failureOutcome(error) === 'keep') {
        const problem = toProblem(error, this.logger);
        await this.record(claim, problem.status, problem);
      } else {
        await this.store.release(claim).catch((e: unknown) => this.warn(claim, 'releasing', e));
      }
      throw error;
    }
    if (options.replayAs) {
      // Not stored: what a retry gets instead.
      const problem = toProblem(options.replayAs(body), this.logger);
      await this.record(claim, problem.status, problem);
      return body;
    }
    // Nest set the route's status (@HttpCode or the method's default) on the reply before the interceptors ran.
    await this.record(claim, reply.statusCode, body);
    return body;
  }

  /**
   * The request already took effect, so a failure to record it must not turn into an error the client
   * would retry: the claim stays in progress until its lease runs out, and is logged.
   */
  private async record(claim: IdempotencyClaim, status: number, body: unknown): Promise<void> {
    try {
      if (!(await this.store.complete(claim, status, body))) {
        this.logger.warn(`Idempotency-Key "${claim.key}": the claim was taken over before this request finished`);
      }
    } catch (error) {
      this.warn(claim, 'recording the answer for', error);
    }
  }

  private warn(claim: IdempotencyClaim, doing: string, error: unknown): void {
    this.logger.error(`${doing} Idempotency-Key "${claim.key}" of key ${claim.principalId} failed: ${String(error)}`);
  }
}

/** A stored 4xx answer that came from the error path: the problem document the ProblemFilter sent. */
function isProblem(body: unknown): body is ProblemDocument {
  return typeof body === 'object' && body !== null && typeof (body as { code?: unknown }).code === 'string';
}
