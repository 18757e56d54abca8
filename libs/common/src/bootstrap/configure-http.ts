import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { RequestInvalidError, validationProblems } from '../errors/app-error';
import { ProblemFilter } from '../errors/problem.filter';
import { UntrustedInputPipe } from './untrusted-input.pipe';

export interface HttpDocs {
  title: string;
  description: string;
  bearerDescription: string;
  extraPaths?: OpenAPIObject['paths'];
}

const SIGNBRIDGE_DOCS: HttpDocs = {
  title: 'SignBridge',
  description:
    'From "the client signed" to "the client is live". The ERP API lives under /api/v1 ' +
    '(Authorization: Bearer <API key>); signature platforms post to /webhooks/{provider}. ' +
    'Errors are application/problem+json (RFC 9457) with a stable `code`.',
  bearerDescription: 'An API key (sb_...)',
};

/** Validation, problem+json errors and the Swagger UI: the same for every HTTP process (the sandbox too). */
export function configureHttp(app: INestApplication, docs: Partial<HttpDocs> = {}): void {
  const { title, description, bearerDescription, extraPaths = {} } = { ...SIGNBRIDGE_DOCS, ...docs };
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(
    new UntrustedInputPipe(),
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) => RequestInvalidError.forFields(validationProblems(errors)),
    }),
  );
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(title)
      .setDescription(description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: bearerDescription })
      .build(),
  );
  document.paths = { ...document.paths, ...extraPaths };
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, Problem: PROBLEM_SCHEMA },
  };
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}

const PROBLEM_SCHEMA = {
  type: 'object' as const,
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'code', 'detail'],
  properties: {
    type: { type: 'string' as const, example: 'https://signbridge.dev/problems/webhook-signature-invalid' },
    title: { type: 'string' as const, example: 'Unauthorized' },
    status: { type: 'integer' as const, example: 401 },
    code: { type: 'string' as const, example: 'WEBHOOK.SIGNATURE_INVALID' },
    detail: { type: 'string' as const },
    instance: { type: 'string' as const },
    errorId: { type: 'string' as const, description: 'On 5xx: the id of the log line with the details' },
  },
};
