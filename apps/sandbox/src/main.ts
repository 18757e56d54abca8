import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError, exitOnStartupFailure, stopOnSignal } from '@app/common';
import { loadSandboxConfig, prepareSandboxRuntime, startSandbox, type SandboxConfig } from '@app/sandbox';

/** `npm run start:sandbox`: the simulated e-signature platform, on its own port and database. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const runtime = await prepareSandboxRuntime(config);
  const sandbox = await startSandbox(runtime).catch(async (error: unknown) => {
    await runtime.stop().catch(() => undefined);
    throw error;
  });
  const { url } = sandbox;
  new Logger('Sandbox').log(`Sandbox platform on ${url} · API docs ${url}/docs · mailbox ${url}/mailbox`);
  stopOnSignal(async () => {
    await sandbox.close();
    await runtime.stop();
  });
}

function loadConfigOrExit(): SandboxConfig {
  try {
    return loadSandboxConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

main().catch(exitOnStartupFailure('Sandbox platform'));
