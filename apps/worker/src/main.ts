import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ConfigError,
  exitOnStartupFailure,
  loadConfigOrExit,
  logLevelsFrom,
  prepareRuntime,
  stopOnSignal,
} from '@app/common';
import { WorkerModule } from './worker.module';

/** `npm run start:worker`: job processors and the sweeper, no HTTP. Scale these separately from the API. */
async function main(): Promise<void> {
  const config = loadConfigOrExit((c) => ({ ...c, roles: { api: false, worker: true } }));
  if (!config.queue.redisUrl || !config.database.url) {
    throw new ConfigError([
      'REDIS_URL and DATABASE_URL: a separate worker process shares the queue and the database with the API, ' +
        'so both must point at servers (npm start runs everything in one process without them)',
    ]);
  }
  const runtime = await prepareRuntime(config);
  const app = await NestFactory.createApplicationContext(WorkerModule.register(runtime), {
    logger: logLevelsFrom(config.logLevel),
  });
  await app.init();
  new Logger('SignBridge').log('worker running');
  stopOnSignal(async () => {
    await app.close();
    await runtime.stop();
  });
}

main().catch(exitOnStartupFailure('SignBridge worker'));
