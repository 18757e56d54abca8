import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { configureHttp, logLevelsFrom } from '@app/common';
import { MAX_DOCUMENT_BYTES } from '../envelopes/create-envelope/create-envelope.request';
import { SandboxPublicUrl } from '../platform/public-url';
import type { SandboxRuntime } from '../sandbox-core.module';
import { SandboxPlatformModule } from '../sandbox-platform.module';

export interface RunningSandbox {
  app: NestFastifyApplication;
  /** Where it listens, e.g. `http://127.0.0.1:3100`. */
  url: string;
  /** Closes the app (timers, connections); the runtime's database is stopped separately (runtime.stop()). */
  close(): Promise<void>;
}

// A 10 MB PDF is 13.4 MB as base64, plus the rest of the JSON.
const BODY_LIMIT = 16 * 1024 * 1024;

/** Builds the platform's HTTP app, listens on the configured port (0: any) and fixes the public base URL. */
export async function startSandbox(runtime: SandboxRuntime): Promise<RunningSandbox> {
  const { config } = runtime;
  // Nest's own body parsers off: Fastify parses JSON, @fastify/formbody the signing forms, @fastify/multipart uploads.
  const app = await NestFactory.create<NestFastifyApplication>(
    SandboxPlatformModule.register(runtime),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT }),
    { logger: logLevelsFrom(config.logLevel), bodyParser: false },
  );
  await app.register(formbody);
  await app.register(multipart, {
    attachFieldsToBody: true,
    // Above the 10 MB rule on purpose: a slightly larger file gets the 400 naming the field, not a bare 413.
    limits: { fileSize: MAX_DOCUMENT_BYTES + 1024 * 1024, files: 1, fields: 20, fieldSize: 1024 * 1024 },
  });
  configureHttp(app, {
    title: 'SignBridge Sandbox',
    description:
      'A small e-signature platform for demos and tests: envelopes under /v1 (Authorization: Bearer <sandbox API key>), ' +
      'signing pages under /sign/{token}, every signer inbox under /mailbox. Webhooks are Standard Webhooks ' +
      'signed with the whsec_ secret. Errors are application/problem+json with a stable `code`.',
    bearerDescription: 'The sandbox API key (sbx_...)',
  });
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('0.0.0.0', 'localhost');
  app.get(SandboxPublicUrl).useListeningAddress(url);
  return { app, url, close: () => app.close() };
}
