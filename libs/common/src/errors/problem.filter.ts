import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RequestInvalidError, statusForCode } from './app-error';
import { problem, PROBLEM_CONTENT_TYPE, type ProblemDocument } from './problem';

/**
 * Maps every error to application/problem+json. Known codes keep their status; anything unexpected is a
 * 500 with an `errorId` that is also in the log, and never a stack trace in the response.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const body = { ...toProblem(error, this.logger), instance: request.url };
    void reply.status(body.status).header('content-type', PROBLEM_CONTENT_TYPE).send(body);
  }
}

export function toProblem(error: unknown, logger: Logger): ProblemDocument {
  if (error instanceof AppError) {
    const status = statusForCode(error.code);
    if (status >= 500) return internal(error, logger, error.code, status);
    return problem(status, error.code, error.message, error.details ?? {});
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code = HTTP_CODES[status] ?? `HTTP.${status}`;
    if (status >= 500) return internal(error, logger, code, status);
    return problem(status, code, httpMessage(error));
  }
  const fastifyStatus = fastifyErrorStatus(error);
  if (fastifyStatus !== undefined && fastifyStatus < 500) {
    const code = HTTP_CODES[fastifyStatus] ?? `HTTP.${fastifyStatus}`;
    return problem(fastifyStatus, code, (error as Error).message);
  }
  if (isUnreadableMultipart(error)) {
    return toProblem(
      RequestInvalidError.forField('body', `not readable as multipart/form-data (${error.message})`),
      logger,
    );
  }
  return internal(error, logger, 'INTERNAL', 500);
}

function internal(error: unknown, logger: Logger, code: string, status: number): ProblemDocument {
  const errorId = randomUUID();
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  logger.error(`errorId=${errorId} code=${code} ${message}`);
  const detail = status === 503 ? 'A dependency is unavailable; retry later.' : 'An unexpected error occurred.';
  return problem(status, code, detail, { errorId });
}

const HTTP_CODES: Record<number, string> = {
  400: 'REQUEST.INVALID',
  401: 'AUTH.UNAUTHENTICATED',
  403: 'AUTH.FORBIDDEN',
  404: 'ROUTE.NOT_FOUND',
  405: 'ROUTE.METHOD_NOT_ALLOWED',
  413: 'REQUEST.BODY_TOO_LARGE',
  415: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
  503: 'SERVICE.UNAVAILABLE',
};

function httpMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}

/**
 * What the multipart parser (@fastify/busboy, under @fastify/multipart) throws for a body that is not the
 * multipart/form-data its content type announces: plain errors, with no status, known only by their text.
 */
const MULTIPART_PARSE_ERRORS = [
  /^Multipart: Boundary not found$/,
  /^Boundary required$/,
  /^Unexpected end of multipart data$/,
  /^\w+ terminated early due to unexpected end of multipart data$/,
];

function isUnreadableMultipart(error: unknown): error is Error {
  return error instanceof Error && MULTIPART_PARSE_ERRORS.some((pattern) => pattern.test(error.message));
}

/** Fastify's own errors (body too large, bad JSON, bad content type) carry a statusCode. */
function fastifyErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' ? status : undefined;
}
