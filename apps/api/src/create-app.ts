import multipart from '@fastify/multipart';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeyService, configureHttp, logLevelsFrom, type Runtime } from '@app/common';
import { WEBHOOK_OPENAPI_PATHS } from '@app/webhook-ingestion';
import { AppModule } from './app.module';

/** Builds and initialises the HTTP app (not yet listening): shared by main.ts and the tests. */
export async function createApp(runtime: Runtime): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(runtime),
    new FastifyAdapter({ bodyLimit: runtime.config.api.maxBodyBytes }),
    { logger: logLevelsFrom(runtime.config.logLevel) },
  );
  // Contract uploads (multipart/form-data): one PDF of at most 10 MB and a JSON field.
  await app.register(multipart, { limits: { fileSize: 10 * 1024 * 1024, files: 1, fields: 4, parts: 5 } });
  configureHttp(app, { extraPaths: WEBHOOK_OPENAPI_PATHS });
  await app.init();
  await app.get(ApiKeyService).ensureBootstrapKey();
  return app;
}
