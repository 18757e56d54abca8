import { isAbsolute, resolve } from 'node:path';
import {
  parseBillingPlans,
  parseSignaturePolicy,
  readAppRole,
  readDocumentsConfig,
  readInvoicingConfig,
  readProvisioningConfig,
  type BillingPlan,
  type DocumentsConfig,
  type InvoicingConfig,
  type ProvisioningConfig,
  type SignatureLevelRule,
} from './config-sections';
import { EnvReader, type Env } from './env-reader';

export * from './config-sections';
export * from './env-reader';

/** Everything SignBridge reads from the environment, validated once at boot. */
export interface AppConfig {
  port: number;
  host: string;
  roles: { api: boolean; worker: boolean };
  dataDir: string;
  database: {
    /** Unset: an embedded PostgreSQL under `dataDir` is started. */
    url?: string;
    embeddedPort: number;
    poolSize: number;
    /**
     * Parameterised statements run as named prepared statements, parsed and planned once per connection. Off
     * behind a pooler that hands one client's statements to different server connections (PgBouncer in
     * transaction mode before 1.21, or without `max_prepared_statements`).
     */
    preparedStatements: boolean;
    runMigrations: boolean;
    /**
     * The role the app's connections act as (`SET ROLE` at connect): not the tables' owner, so it cannot
     * disable triggers or rewrite the audit log. Unset (DATABASE_APP_ROLE=''): act as the login user.
     * Migrations always run as the login user (the owner).
     */
    appRole?: string;
    /**
     * A session that sits inside a transaction doing nothing this long is ended by PostgreSQL, its locks released
     * (`idle_in_transaction_session_timeout`): a worker frozen mid-transaction (a paused VM, a stopped process)
     * would otherwise hold them, the invoice chain's lock included, until it wakes. Undefined: off.
     */
    idleInTransactionTimeoutMs?: number;
  };
  queue: {
    /** Unset: the in-process driver (api and worker must then share the process). */
    redisUrl?: string;
    prefix: string;
    concurrency: number;
    attempts: number;
    backoffMs: number;
    /** BullMQ job lock; a job held by a killed worker runs again after about twice this. */
    lockMs: number;
    /**
     * With Redis: a worker process runs the jobs its own work makes itself, and sends through Redis only the
     * delayed ones and those beyond a short local backlog (QUEUE_LOCAL_FIRST, default on).
     */
    localFirst: boolean;
  };
  webhooks: {
    maxBodyBytes: number;
    toleranceSeconds: number;
    /** `whsec_` secrets for the sandbox provider; several at once during a rotation. */
    sandboxSecrets: string[];
  };
  api: { maxBodyBytes: number };
  /** Where signature platforms reach this process (webhook URLs sent with each envelope); unset: the listening address. */
  publicUrl?: string;
  providers: {
    sandbox: {
      baseUrl: string;
      /** Unset: read or created in `<dataDir>/sandbox-api-key`, the file the sandbox platform reads too. */
      apiKey?: string;
      timeoutMs: number;
    };
  };
  adminApiKey?: string;
  sweeper: {
    intervalMs: number;
    graceMs: number;
    /** A subscriber still without its receipt this long after dispatch is dispatched again (its job gave up). */
    retryAfterMs: number;
  };
  documents: DocumentsConfig;
  /**
   * How long after `ContractSigned` the archive keeps retrying while the platform's evidence and the webhooks give no
   * signing time for a signer of the contract; then it holds the contract (`EVIDENCE.INCOMPLETE`) for staff.
   */
  evidenceWaitMs: number;
  inbox: { maxAttempts: number };
  billing: { plans: Record<string, BillingPlan> };
  invoicing: InvoicingConfig;
  /** The least signature level by amount: a contract at or above `minAmountCents` (in `currency`) needs `level`. */
  signaturePolicy: SignatureLevelRule[];
  /** `Idempotency-Key` on the ERP API's POSTs: how long a claim is held, and how long a key is remembered. */
  idempotency: { lockSeconds: number; ttlHours: number };
  /**
   * How long the audit log keeps the personal data of an event (e-mails, IPs, names), in days from the event; the
   * sweeper erases it after that, the chain entry stays and still verifies. Unset: kept until erased explicitly.
   */
  audit: { personalDataRetentionDays?: number };
  provisioning: ProvisioningConfig;
  /** Deliveries of domain events to the ERP's webhook endpoints. */
  erpWebhooks: {
    /**
     * Wait before each retry, in order; a delivery still failing after the last one is `dead` (kept, listed and
     * replayable). Its length plus one is the number of calls. Each wait varies by ±20 % (jitter).
     */
    retryScheduleMs: number[];
    /** Deadline of each call. */
    timeoutMs: number;
    /**
     * The endpoint's circuit breaker: after `circuitThreshold` failed calls in a row (any delivery), no delivery calls
     * it for `circuitCooldownMs`; then one call probes it, and each failed probe doubles the wait (up to 64 times).
     * Deliveries held meanwhile keep their attempts. An endpoint failing for `disableAfterMs` without a success is
     * disabled (undefined: never).
     */
    circuitThreshold: number;
    circuitCooldownMs: number;
    disableAfterMs?: number;
  };
  /**
   * Asking the platform about contracts whose webhooks may have been lost (README "The reconciler"). A contract
   * still waiting for signatures `afterMs` after its last change is checked; while nothing changes it is checked
   * again after half its quiet time, never sooner than `afterMs` apart nor later than `maxIntervalMs`, and once
   * more `afterMs` after its deadline. `enabled: false` (RECONCILE_AFTER=off): only staff ask.
   */
  reconciler: { enabled: boolean; afterMs: number; maxIntervalMs: number };
  logLevel: LogLevel;
  /** Test hook: kill the process at a named point to prove that a crash loses nothing. */
  faultInjection?: FaultPoint;
}

export const LOG_LEVELS = ['error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const FAULT_POINTS = ['crash-after-inbox-commit', 'crash-after-invoice-issued'] as const;
export type FaultPoint = (typeof FAULT_POINTS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment. Every problem is reported at once, each naming its variable. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): AppConfig {
  const problems: string[] = [];
  const read = new EnvReader(env, problems);

  const roles = read.list('SIGNBRIDGE_ROLES', ['api', 'worker'], ['api', 'worker']);
  const redisUrl = read.url('REDIS_URL', ['redis:', 'rediss:']);
  if (!redisUrl && !(roles.includes('api') && roles.includes('worker'))) {
    problems.push(
      'SIGNBRIDGE_ROLES: without REDIS_URL the queue lives in this process, so it must run both roles (api,worker)',
    );
  }
  const sandboxSecrets = read.list('SANDBOX_WEBHOOK_SECRETS', [], undefined);
  for (const secret of sandboxSecrets) {
    if (!/^whsec_[A-Za-z0-9+/]{16,}={0,2}$/.test(secret)) {
      problems.push('SANDBOX_WEBHOOK_SECRETS: each secret must be whsec_ followed by base64 (at least 12 bytes)');
      break;
    }
  }
  const adminApiKey = read.string('SIGNBRIDGE_ADMIN_API_KEY');
  if (adminApiKey !== undefined && adminApiKey.length < 24) {
    problems.push('SIGNBRIDGE_ADMIN_API_KEY: must be at least 24 characters');
  }
  const dataDir = read.string('DATA_DIR') ?? '.data';
  const sandboxPort = read.int('SANDBOX_PORT', 3100, 1, 65535);
  const sandboxApiKey = read.string('SANDBOX_API_KEY');
  if (sandboxApiKey !== undefined && sandboxApiKey.length < 16) {
    problems.push('SANDBOX_API_KEY: must be at least 16 characters');
  }
  const resolvedDataDir = isAbsolute(dataDir) ? dataDir : resolve(cwd, dataDir);
  const appRole = readAppRole(env, problems);
  const reconcileAfterMs = read.durationOrOff('RECONCILE_AFTER', '15m', 1000, 30 * 86_400_000);
  const config: AppConfig = {
    port: read.int('PORT', 3000, 0, 65535),
    host: read.string('HOST') ?? '127.0.0.1',
    roles: { api: roles.includes('api'), worker: roles.includes('worker') },
    dataDir: resolvedDataDir,
    database: {
      url: read.url('DATABASE_URL', ['postgres:', 'postgresql:']),
      embeddedPort: read.int('EMBEDDED_PG_PORT', 54329, 1, 65535),
      poolSize: read.int('DB_POOL_SIZE', 20, 2, 500),
      preparedStatements: read.bool('DB_PREPARED_STATEMENTS', true),
      runMigrations: read.bool('MIGRATIONS_RUN', true),
      appRole,
      idleInTransactionTimeoutMs: read.durationOrOff('DB_IDLE_IN_TRANSACTION_TIMEOUT', '2m', 1000, 86_400_000),
    },
    queue: {
      redisUrl,
      prefix: read.string('QUEUE_PREFIX') ?? 'signbridge',
      concurrency: read.int('WORKER_CONCURRENCY', 16, 1, 1000),
      attempts: read.int('JOB_ATTEMPTS', 8, 1, 100),
      backoffMs: read.int('JOB_BACKOFF_MS', 1000, 1, 3_600_000),
      lockMs: read.int('JOB_LOCK_MS', 30_000, 1000, 600_000),
      localFirst: read.bool('QUEUE_LOCAL_FIRST', true),
    },
    webhooks: {
      maxBodyBytes: read.int('WEBHOOK_MAX_BODY_BYTES', 256 * 1024, 1024, 50 * 1024 * 1024),
      toleranceSeconds: read.int('WEBHOOK_TOLERANCE_SECONDS', 300, 1, 86_400),
      sandboxSecrets,
    },
    api: { maxBodyBytes: read.int('API_MAX_BODY_BYTES', 25 * 1024 * 1024, 1024, 200 * 1024 * 1024) },
    publicUrl: read.url('SIGNBRIDGE_PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, ''),
    providers: {
      sandbox: {
        baseUrl: (read.url('SANDBOX_URL', ['http:', 'https:']) ?? `http://127.0.0.1:${sandboxPort}`).replace(
          /\/+$/,
          '',
        ),
        apiKey: sandboxApiKey,
        timeoutMs: read.int('PROVIDER_TIMEOUT_MS', 15_000, 100, 300_000),
      },
    },
    adminApiKey,
    sweeper: {
      intervalMs: read.int('SWEEP_INTERVAL_MS', 10_000, 100, 3_600_000),
      graceMs: read.int('SWEEP_GRACE_MS', 30_000, 0, 86_400_000),
      retryAfterMs: read.int('SUBSCRIBER_RETRY_AFTER_MS', 600_000, 1000, 86_400_000),
    },
    documents: readDocumentsConfig(read, problems, resolvedDataDir, cwd),
    // A day: longer than a platform keeps retrying a late `signer.signed` webhook in its first hours.
    evidenceWaitMs: read.duration('EVIDENCE_WAIT', '24h', 1000, 30 * 86_400_000),
    inbox: { maxAttempts: read.int('INBOX_MAX_ATTEMPTS', 10, 1, 1000) },
    billing: { plans: parseBillingPlans(read.string('BILLING_PLANS'), problems) },
    invoicing: readInvoicingConfig(read, problems, resolvedDataDir),
    signaturePolicy: parseSignaturePolicy(read.string('SIGNATURE_LEVEL_POLICY') ?? 'advanced@10000 EUR', problems),
    idempotency: {
      lockSeconds: read.int('IDEMPOTENCY_LOCK_SECONDS', 60, 1, 3600),
      ttlHours: read.int('IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 30),
    },
    audit: {
      personalDataRetentionDays:
        read.string('AUDIT_PERSONAL_DATA_RETENTION_DAYS') === undefined
          ? undefined
          : read.int('AUDIT_PERSONAL_DATA_RETENTION_DAYS', 0, 1, 36_500),
    },
    provisioning: readProvisioningConfig(env, read, problems),
    erpWebhooks: {
      // Svix's schedule: 8 calls over about 27.6 hours, long enough to outlast an ERP's weekend-night outage.
      retryScheduleMs: read.durations('ERP_WEBHOOK_RETRY_SCHEDULE', '5s,5m,30m,2h,5h,10h,10h'),
      timeoutMs: read.int('ERP_WEBHOOK_TIMEOUT_MS', 10_000, 100, 300_000),
      circuitThreshold: read.int('ERP_WEBHOOK_CIRCUIT_THRESHOLD', 5, 1, 1000),
      circuitCooldownMs: read.duration('ERP_WEBHOOK_CIRCUIT_COOLDOWN', '30s', 100, 86_400_000),
      // Svix's: an endpoint failing for five days is disabled.
      disableAfterMs: read.durationOrOff('ERP_WEBHOOK_DISABLE_AFTER', '5d', 60_000, 365 * 86_400_000),
    },
    reconciler: {
      enabled: reconcileAfterMs !== undefined,
      // Off, staff still ask now and then: a deadline's grace is the default quiet time.
      afterMs: reconcileAfterMs ?? 15 * 60_000,
      maxIntervalMs: read.duration('RECONCILE_MAX_INTERVAL', '6h', 1000, 30 * 86_400_000),
    },
    logLevel: read.oneOf('LOG_LEVEL', LOG_LEVELS, 'log'),
    faultInjection: read.optionalOneOf('SIGNBRIDGE_FAULT', FAULT_POINTS),
  };
  // A subscriber's transaction waits on the platform's downloads (made at once, each within PROVIDER_TIMEOUT_MS:
  // twice that leaves as much again to spare) and on the SMTP server (connecting, its greeting, the message: each
  // within SMTP_TIMEOUT, one after the other): ending it for that would be wrong.
  const idle = config.database.idleInTransactionTimeoutMs;
  const longestWait = Math.max(2 * config.providers.sandbox.timeoutMs, 3 * config.invoicing.smtpTimeoutMs);
  if (idle !== undefined && idle <= longestWait) {
    problems.push(
      `DB_IDLE_IN_TRANSACTION_TIMEOUT: must be longer than ${longestWait} ms, what a transaction may wait on the ` +
        'platform (2 × PROVIDER_TIMEOUT_MS) or the SMTP server (3 × SMTP_TIMEOUT), or "off"',
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

export const APP_CONFIG = Symbol('APP_CONFIG');
