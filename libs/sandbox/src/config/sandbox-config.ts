import { isAbsolute, resolve } from 'node:path';
import { ConfigError, EnvReader, LOG_LEVELS, type Env, type LogLevel } from '@app/common';

/** Switchable misbehaviour of webhook delivery, for tests and benchmarks (also at runtime: `PUT /v1/faults`). */
export interface WebhookFaults {
  /** Every message is sent twice (same `webhook-id`), as platforms do after a lost acknowledgement. */
  duplicate: boolean;
  /** Messages due together leave in random order (each first attempt is held back a random 0..shuffleWindowMs). */
  shuffle: boolean;
  shuffleWindowMs: number;
  /** The first attempt of every message is dropped (logged as such, never sent); the retry schedule takes over. */
  dropFirstAttempt: boolean;
  /** Each attempt waits a random 0..delayMs before it is sent. */
  delayMs: number;
  /** `POST /v1/envelopes` answers only after its `envelope.sent` webhook was attempted: forces the registration race. */
  deliverBeforeResponse: boolean;
  /** Signed PDFs and audit trails are served with one byte changed, under the real ones' stated hash. */
  tamperDocuments: boolean;
}

export const NO_FAULTS: WebhookFaults = {
  duplicate: false,
  shuffle: false,
  shuffleWindowMs: 500,
  dropFirstAttempt: false,
  delayMs: 0,
  deliverBeforeResponse: false,
  tamperDocuments: false,
};

/** Everything the sandbox platform reads from the environment, validated once at boot. */
export interface SandboxConfig {
  port: number;
  host: string;
  /** Base of the signing links and document URLs; unset: `http://<host>:<port>` once listening. */
  publicUrl?: string;
  dataDir: string;
  database: {
    /** Unset: an embedded PostgreSQL under `<dataDir>/sandbox-postgres`. */
    url?: string;
    embeddedPort: number;
    /** The sandbox keeps its tables in this schema, so it can share a database with anything else. */
    schema: string;
    poolSize: number;
  };
  /** Bearer key for `/v1`; unset: read or created in `<dataDir>/sandbox-api-key` (SignBridge reads the same file). */
  apiKey?: string;
  /** `whsec_` secret the webhooks are signed with; unset: `<dataDir>/sandbox-webhook-secret`, shared likewise. */
  webhookSecret?: string;
  webhooks: {
    /** Delay before each retry, in ms: entry n is the wait after failed attempt n+1. Its length + 1 is the attempt limit. */
    retryScheduleMs: number[];
    /** Each delay is spread by +-jitter (0.2 = 20 %), so retries of many messages do not arrive in lockstep. */
    jitter: number;
    timeoutMs: number;
    concurrency: number;
    /** How often the dispatcher looks for due retries (new messages wake it at once). */
    pollMs: number;
  };
  faults: WebhookFaults;
  otp: { maxAttempts: number; ttlSeconds: number };
  /** How often envelopes past `expires_at` are expired. */
  expiryCheckMs: number;
  logLevel: LogLevel;
}

/**
 * Like the real platforms: minutes growing to hours, about three days in all (5s, 5m, 30m, 2h, 5h, 10h, 24h, 24h
 * after the first attempt: 8 retries over 2.8 days).
 */
export const DEFAULT_RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,24h,24h';

export function loadSandboxConfig(env: Env = process.env, cwd: string = process.cwd()): SandboxConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);
  const port = read.int('SANDBOX_PORT', 3100, 0, 65535);
  const publicUrl = read.url('SANDBOX_PUBLIC_URL', ['http:', 'https:']);
  const apiKey = read.string('SANDBOX_API_KEY');
  if (apiKey !== undefined && apiKey.length < 16) problems.push('SANDBOX_API_KEY: must be at least 16 characters');
  const webhookSecret = read.string('SANDBOX_WEBHOOK_SECRET');
  if (webhookSecret !== undefined && !/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(webhookSecret)) {
    problems.push('SANDBOX_WEBHOOK_SECRET: must be whsec_ followed by base64 (at least 12 bytes)');
  }
  const schema = read.string('SANDBOX_DB_SCHEMA') ?? 'sandbox';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    problems.push('SANDBOX_DB_SCHEMA: expected a lower-case SQL identifier');
  }
  const dataDir = read.string('DATA_DIR') ?? '.data';
  const config: SandboxConfig = {
    port,
    host: read.string('SANDBOX_HOST') ?? '127.0.0.1',
    publicUrl: publicUrl?.replace(/\/+$/, ''),
    dataDir: isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir),
    database: {
      url: read.url('SANDBOX_DATABASE_URL', ['postgres:', 'postgresql:']),
      embeddedPort: read.int('SANDBOX_EMBEDDED_PG_PORT', 54330, 1, 65535),
      schema,
      poolSize: read.int('SANDBOX_DB_POOL_SIZE', 10, 2, 200),
    },
    apiKey,
    webhookSecret,
    webhooks: {
      retryScheduleMs: read.durations('SANDBOX_WEBHOOK_RETRY_SCHEDULE', DEFAULT_RETRY_SCHEDULE),
      jitter: read.int('SANDBOX_WEBHOOK_JITTER_PERCENT', 20, 0, 100) / 100,
      timeoutMs: read.int('SANDBOX_WEBHOOK_TIMEOUT_MS', 10_000, 50, 120_000),
      concurrency: read.int('SANDBOX_WEBHOOK_CONCURRENCY', 16, 1, 256),
      pollMs: read.int('SANDBOX_WEBHOOK_POLL_MS', 1000, 10, 60_000),
    },
    faults: parseFaults(read.string('SANDBOX_FAULTS'), problems),
    otp: {
      maxAttempts: read.int('SANDBOX_OTP_MAX_ATTEMPTS', 3, 1, 20),
      ttlSeconds: read.int('SANDBOX_OTP_TTL_SECONDS', 600, 10, 86_400),
    },
    expiryCheckMs: read.int('SANDBOX_EXPIRY_CHECK_MS', 5000, 100, 3_600_000),
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'log'),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** `"duplicate,shuffle=300,drop-first,delay=200,deliver-before-response,tamper-documents"`; unset or `none`: none. */
export function parseFaults(raw: string | undefined, problems: string[]): WebhookFaults {
  const faults: WebhookFaults = { ...NO_FAULTS };
  if (raw === undefined || raw === 'none') return faults;
  for (const item of raw.split(',').map((s) => s.trim())) {
    const [name, value] = item.split('=', 2);
    const ms = value === undefined ? undefined : /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isNaN(ms)) {
      problems.push(`SANDBOX_FAULTS: "${item}" needs a whole number of milliseconds after =`);
      continue;
    }
    switch (name) {
      case 'duplicate':
        faults.duplicate = true;
        break;
      case 'shuffle':
        faults.shuffle = true;
        if (ms !== undefined) faults.shuffleWindowMs = ms;
        break;
      case 'drop-first':
        faults.dropFirstAttempt = true;
        break;
      case 'delay':
        faults.delayMs = ms ?? 1000;
        break;
      case 'deliver-before-response':
        faults.deliverBeforeResponse = true;
        break;
      case 'tamper-documents':
        faults.tamperDocuments = true;
        break;
      default:
        problems.push(
          `SANDBOX_FAULTS: unknown fault "${name}"; expected duplicate, shuffle[=ms], drop-first, delay=ms, deliver-before-response, tamper-documents`,
        );
    }
  }
  return faults;
}

export const SANDBOX_CONFIG = Symbol('SANDBOX_CONFIG');
