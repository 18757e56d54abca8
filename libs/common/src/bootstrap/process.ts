import { ConfigError, loadConfig, type AppConfig } from '../config/app-config';

/** Loads the configuration or exits with its problems listed (exit code 78: configuration error). */
export function loadConfigOrExit(override: (config: AppConfig) => AppConfig = (c) => c): AppConfig {
  try {
    return override(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

/** Runs `stop` once on SIGINT or SIGTERM, then exits. */
export function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`shutdown failed: ${String(error)}\n`);
          process.exit(1);
        },
      );
    });
  }
}

export function exitOnStartupFailure(name: string): (error: unknown) => never {
  return (error) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${name} failed to start: ${text}\n`);
    process.exit(1);
  };
}
