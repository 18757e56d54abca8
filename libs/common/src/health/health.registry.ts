import { Injectable } from '@nestjs/common';

export interface HealthCheckResult {
  up: boolean;
  detail?: string;
  [extra: string]: unknown;
}

/** Modules add what they depend on (the database here, the queue from the event bus). */
@Injectable()
export class HealthRegistry {
  private readonly checks = new Map<string, () => Promise<HealthCheckResult>>();

  register(name: string, check: () => Promise<HealthCheckResult>): void {
    this.checks.set(name, check);
  }

  async run(timeoutMs = 2_000): Promise<{ status: 'ok' | 'down'; checks: Record<string, HealthCheckResult> }> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => [name, await withTimeout(check(), timeoutMs)] as const),
    );
    const checks = Object.fromEntries(entries);
    return { status: entries.every(([, r]) => r.up) ? 'ok' : 'down', checks };
  }
}

async function withTimeout(check: Promise<HealthCheckResult>, ms: number): Promise<HealthCheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<HealthCheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ up: false, detail: `no answer within ${ms} ms` }), ms);
  });
  try {
    return await Promise.race([
      check.catch((error: unknown) => ({ up: false, detail: error instanceof Error ? error.message : String(error) })),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
