import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import {
  ConfigError,
  exitOnStartupFailure,
  loadConfigOrExit,
  prepareRuntime,
  PublicAddress,
  stopOnSignal,
} from '@app/common';
import { createApp } from './create-app';

/** `npm start`: the HTTP API, and (by default, SIGNBRIDGE_ROLES=api,worker) the workers in the same process. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (!config.roles.api) {
    throw new ConfigError(['SIGNBRIDGE_ROLES: this app serves HTTP and needs the api role; use the worker app']);
  }
  const runtime = await prepareRuntime(config);
  const app = await createApp(runtime);
  await app.listen(config.port, config.host);
  const url = (await app.getUrl()).replace('[::1]', 'localhost');
  app.get(PublicAddress).listening(url);
  const roles = (['api', 'worker'] as const).filter((role) => config.roles[role]).join(', ');
  const logger = new Logger('SignBridge');
  logger.log(`listening on ${url} (roles: ${roles})`);
  logger.log(`Swagger UI ${url}/docs · webhooks ${url}/webhooks/sandbox · health ${url}/health`);
  stopOnSignal(async () => {
    await app.close();
    await runtime.stop();
  });
}

main().catch(exitOnStartupFailure('SignBridge'));
