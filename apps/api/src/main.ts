import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  ApiKeyService,
  configureHttp,
  ConfigError,
  exitOnStartupFailure,
  loadConfigOrExit,
  logLevelsFrom,
  prepareRuntime,
  stopOnSignal,
} from '@app/common';
import { WEBHOOK_OPENAPI_PATHS } from '@app/webhook-ingestion';
import { AppModule } from './app.module';

/** `npm start`: the HTTP API, and (by default, SIGNBRIDGE_ROLES=api,worker) the workers in the same process. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.roles.api) {
    throw new ConfigError(['SIGNBRIDGE_ROLES: this app serves HTTP and needs the api role; use the worker app']);
  }
  const runtime = await prepareRuntime(config);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.register(runtime),
    new FastifyAdapter({ bodyLimit: config.api.maxBodyBytes }),
    { logger: logLevelsFrom(config.logLevel) },
  );
  configureHttp(app, WEBHOOK_OPENAPI_PATHS);
  await app.init();
  await app.get(ApiKeyService).ensureBootstrapKey();
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  const roles = (['api', 'worker'] as const).filter((role) => config.roles[role]).join(', ');
  new Logger('SignBridge').log(`listening on ${url} (roles: ${roles})`);
  new Logger('SignBridge').log(`Swagger UI ${url}/docs · webhooks ${url}/webhooks/sandbox · health ${url}/health`);
  stopOnSignal(async () => {
    await app.close();
    await runtime.stop();
  });
}

main().catch(exitOnStartupFailure('SignBridge'));
