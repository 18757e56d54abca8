import { resolve } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

const CWD = '/srv/signbridge';
const SECRET_A = `whsec_${Buffer.from('first-sandbox-secret-0123').toString('base64')}`;
const SECRET_B = `whsec_${Buffer.from('second-sandbox-secret-456').toString('base64')}`;

/** The problems of a configuration that must not load; fails the test if it loads. */
function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

function messageOf(env: Record<string, string>): string {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('runs on its defaults with an empty environment', () => {
    const config = loadConfig({}, CWD);
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.roles).toEqual({ api: true, worker: true });
    expect(config.queue.redisUrl).toBeUndefined();
    expect(config.database.url).toBeUndefined();
    expect(config.database.appRole).toBe('signbridge_app');
    expect(config.database.preparedStatements).toBe(true);
    expect(config.dataDir).toBe(resolve(CWD, '.data'));
    expect(config.webhooks.toleranceSeconds).toBe(300);
    expect(config.webhooks.maxBodyBytes).toBe(262144);
    expect(config.webhooks.sandboxSecrets).toEqual([]);
    expect(config.adminApiKey).toBeUndefined();
    expect(config.logLevel).toBe('log');
    expect(config.idempotency).toEqual({ lockSeconds: 60, ttlHours: 24 });
    expect(config.publicUrl).toBeUndefined();
    expect(config.providers.sandbox).toEqual({ baseUrl: 'http://127.0.0.1:3100', timeoutMs: 15000 });
  });

  it('finds the sandbox at SANDBOX_URL, or on SANDBOX_PORT of this host', () => {
    expect(loadConfig({ SANDBOX_PORT: '3200' }, CWD).providers.sandbox.baseUrl).toBe('http://127.0.0.1:3200');
    const config = loadConfig(
      {
        SANDBOX_URL: 'https://sandbox.example/',
        SANDBOX_API_KEY: 'sbx_0123456789abcdef',
        SIGNBRIDGE_PUBLIC_URL: 'https://sb.example/',
      },
      CWD,
    );
    expect(config.providers.sandbox.baseUrl).toBe('https://sandbox.example');
    expect(config.providers.sandbox.apiKey).toBe('sbx_0123456789abcdef');
    expect(config.publicUrl).toBe('https://sb.example');
    expect(problemsOf({ SANDBOX_API_KEY: 'short' })[0].startsWith('SANDBOX_API_KEY:')).toBe(true);
    expect(problemsOf({ SANDBOX_URL: 'ftp://x' })[0].startsWith('SANDBOX_URL:')).toBe(true);
  });

  it('reads the signature-level policy: advanced from 10,000 EUR unless told otherwise', () => {
    expect(loadConfig({}, CWD).signaturePolicy).toEqual([
      { level: 'advanced', currency: 'EUR', minAmountCents: 1_000_000 },
    ]);
    expect(
      loadConfig({ SIGNATURE_LEVEL_POLICY: 'advanced@500.5 EUR, qualified@250000USD' }, CWD).signaturePolicy,
    ).toEqual([
      { level: 'advanced', currency: 'EUR', minAmountCents: 50_050 },
      { level: 'qualified', currency: 'USD', minAmountCents: 25_000_000 },
    ]);
    expect(loadConfig({ SIGNATURE_LEVEL_POLICY: 'none' }, CWD).signaturePolicy).toEqual([]);
    expect(problemsOf({ SIGNATURE_LEVEL_POLICY: 'strong@10 EUR' })[0].startsWith('SIGNATURE_LEVEL_POLICY:')).toBe(true);
  });

  it('reads the idempotency lease and retention', () => {
    const config = loadConfig({ IDEMPOTENCY_LOCK_SECONDS: '5', IDEMPOTENCY_TTL_HOURS: '48' }, CWD);
    expect(config.idempotency).toEqual({ lockSeconds: 5, ttlHours: 48 });
    expect(problemsOf({ IDEMPOTENCY_LOCK_SECONDS: '0' })[0].startsWith('IDEMPOTENCY_LOCK_SECONDS:')).toBe(true);
    expect(problemsOf({ IDEMPOTENCY_TTL_HOURS: 'day' })[0].startsWith('IDEMPOTENCY_TTL_HOURS:')).toBe(true);
  });

  it('reads how long the audit log keeps personal data: unset by default, whole days', () => {
    expect(loadConfig({}, CWD).audit).toEqual({ personalDataRetentionDays: undefined });
    expect(loadConfig({ AUDIT_PERSONAL_DATA_RETENTION_DAYS: '2190' }, CWD).audit).toEqual({
      personalDataRetentionDays: 2190,
    });
    for (const bad of ['0', '1.5', 'forever']) {
      expect(problemsOf({ AUDIT_PERSONAL_DATA_RETENTION_DAYS: bad })[0]).toMatch(
        /^AUDIT_PERSONAL_DATA_RETENTION_DAYS:/,
      );
    }
  });

  it('resolves a relative DATA_DIR against cwd and keeps an absolute one', () => {
    expect(loadConfig({ DATA_DIR: 'var/pg' }, CWD).dataDir).toBe(resolve(CWD, 'var/pg'));
    expect(loadConfig({ DATA_DIR: '/var/lib/signbridge' }, CWD).dataDir).toBe('/var/lib/signbridge');
  });

  it('reads valid values', () => {
    const config = loadConfig(
      { PORT: '8080', REDIS_URL: 'redis://cache:6379', SIGNBRIDGE_ROLES: 'worker', LOG_LEVEL: 'debug' },
      CWD,
    );
    expect(config.port).toBe(8080);
    expect(config.queue.redisUrl).toBe('redis://cache:6379');
    expect(config.roles).toEqual({ api: false, worker: true });
    expect(config.logLevel).toBe('debug');
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'false' }, CWD).database.preparedStatements).toBe(false);
    expect(config.queue.localFirst).toBe(true);
    expect(loadConfig({ QUEUE_LOCAL_FIRST: 'false' }, CWD).queue.localFirst).toBe(false);
  });

  it('reports every problem at once, each naming its variable', () => {
    const problems = problemsOf({ PORT: 'abc', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' });
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('PORT:'))).toContain('"abc"');
    expect(problems.some((p) => p.startsWith('REDIS_URL:'))).toBe(true);
    expect(problems.find((p) => p.startsWith('LOG_LEVEL:'))).toContain('"loud"');
    expect(messageOf({ PORT: 'abc', REDIS_URL: 'http://x', LOG_LEVEL: 'loud' })).toContain('PORT:');
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '30.5'],
    ['DB_POOL_SIZE', '1'],
    ['MIGRATIONS_RUN', 'maybe'],
    ['DB_PREPARED_STATEMENTS', 'sometimes'],
    ['DATABASE_URL', 'mysql://db/x'],
    ['SIGNBRIDGE_ROLES', 'api,janitor'],
  ])('rejects %s=%s naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value, REDIS_URL: 'redis://cache:6379' });
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith(`${name}:`)).toBe(true);
  });

  it('needs REDIS_URL to split the roles: the in-process queue serves only its own process', () => {
    for (const roles of ['api', 'worker']) {
      const problems = problemsOf({ SIGNBRIDGE_ROLES: roles });
      expect(problems).toHaveLength(1);
      expect(problems[0].startsWith('SIGNBRIDGE_ROLES:')).toBe(true);
    }
    expect(loadConfig({ SIGNBRIDGE_ROLES: 'api', REDIS_URL: 'redis://cache:6379' }, CWD).roles).toEqual({
      api: true,
      worker: false,
    });
    expect(loadConfig({ SIGNBRIDGE_ROLES: 'api , worker' }, CWD).roles).toEqual({ api: true, worker: true });
  });

  it('parses comma-separated webhook secrets', () => {
    const config = loadConfig({ SANDBOX_WEBHOOK_SECRETS: ` ${SECRET_A} , ${SECRET_B},` }, CWD);
    expect(config.webhooks.sandboxSecrets).toEqual([SECRET_A, SECRET_B]);
  });

  it('rejects a secret that is not whsec_ base64, without echoing it', () => {
    const leaked = 'hunter2-plaintext-secret-value';
    const env = { SANDBOX_WEBHOOK_SECRETS: `${SECRET_A},${leaked}` };
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith('SANDBOX_WEBHOOK_SECRETS:')).toBe(true);
    expect(messageOf(env)).not.toContain(leaked);
    expect(messageOf(env)).not.toContain(SECRET_A);
    expect(problemsOf({ SANDBOX_WEBHOOK_SECRETS: 'whsec_short' })).toHaveLength(1);
  });

  it('rejects an admin API key shorter than 24 characters, without echoing it', () => {
    const short = 'sb_tooShortKey123';
    const problems = problemsOf({ SIGNBRIDGE_ADMIN_API_KEY: short });
    expect(problems).toHaveLength(1);
    expect(problems[0].startsWith('SIGNBRIDGE_ADMIN_API_KEY:')).toBe(true);
    expect(messageOf({ SIGNBRIDGE_ADMIN_API_KEY: short })).not.toContain(short);
    const key = 'sb_0123456789abcdefghijklmn';
    expect(loadConfig({ SIGNBRIDGE_ADMIN_API_KEY: key }, CWD).adminApiKey).toBe(key);
  });

  it('acts as DATABASE_APP_ROLE, or as the login user when it is set empty', () => {
    expect(loadConfig({ DATABASE_APP_ROLE: 'erp_app' }, CWD).database.appRole).toBe('erp_app');
    expect(loadConfig({ DATABASE_APP_ROLE: '' }, CWD).database.appRole).toBeUndefined();
    expect(problemsOf({ DATABASE_APP_ROLE: 'app; DROP' })[0].startsWith('DATABASE_APP_ROLE:')).toBe(true);
  });

  it('treats blank values as unset', () => {
    const config = loadConfig({ PORT: '  ', REDIS_URL: '', SIGNBRIDGE_ADMIN_API_KEY: ' ' }, CWD);
    expect(config.port).toBe(3000);
    expect(config.queue.redisUrl).toBeUndefined();
    expect(config.adminApiKey).toBeUndefined();
  });
  describe('document store', () => {
    const S3 = {
      DOCUMENT_STORE: 's3',
      S3_BUCKET: 'signbridge-archive',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    };

    it('defaults to the filesystem under DATA_DIR/documents', () => {
      expect(loadConfig({}, CWD).documents).toEqual({ store: 'fs', dir: resolve(CWD, '.data/documents') });
      expect(loadConfig({ DATA_DIR: '/var/lib/sb' }, CWD).documents.dir).toBe('/var/lib/sb/documents');
      expect(loadConfig({ DOCUMENTS_DIR: 'docs' }, CWD).documents.dir).toBe(resolve(CWD, 'docs'));
      expect(loadConfig({ DOCUMENTS_DIR: '/mnt/archive' }, CWD).documents.dir).toBe('/mnt/archive');
    });

    it('reads the S3 bucket, credentials and endpoint, with us-east-1 and path-style by default', () => {
      expect(loadConfig(S3, CWD).documents.s3).toEqual({
        endpoint: undefined,
        bucket: 'signbridge-archive',
        region: 'us-east-1',
        accessKeyId: 'AKIAEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        forcePathStyle: true,
      });
      const custom = loadConfig(
        { ...S3, S3_ENDPOINT: 'http://minio:9000', S3_REGION: 'eu-west-3', S3_FORCE_PATH_STYLE: 'false' },
        CWD,
      ).documents.s3;
      expect(custom).toMatchObject({ endpoint: 'http://minio:9000', region: 'eu-west-3', forcePathStyle: false });
      expect(loadConfig({ S3_BUCKET: 'ignored' }, CWD).documents.s3).toBeUndefined();
    });

    it.each(['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'])(
      'with DOCUMENT_STORE=s3, a missing %s is an error naming it',
      (name) => {
        const problems = problemsOf({ ...S3, [name]: '' });
        expect(problems).toEqual([`${name}: required when DOCUMENT_STORE=s3`]);
      },
    );

    it('rejects an unknown store, a bad endpoint and a bad path-style flag, without echoing the secret', () => {
      expect(problemsOf({ DOCUMENT_STORE: 'gcs' })[0]).toMatch(/^DOCUMENT_STORE: .*"gcs"/);
      expect(problemsOf({ ...S3, S3_ENDPOINT: 'minio:9000' })[0].startsWith('S3_ENDPOINT:')).toBe(true);
      expect(problemsOf({ ...S3, S3_FORCE_PATH_STYLE: 'sometimes' })[0].startsWith('S3_FORCE_PATH_STYLE:')).toBe(true);
      expect(messageOf({ ...S3, S3_BUCKET: '' })).not.toContain(S3.S3_SECRET_ACCESS_KEY);
    });
  });
  describe('ERP webhooks', () => {
    it('retries on a schedule of about 27 hours by default, and reads another with units', () => {
      expect(loadConfig({}, CWD).erpWebhooks).toEqual({
        retryScheduleMs: [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
        timeoutMs: 10_000,
        circuitThreshold: 5,
        circuitCooldownMs: 30_000,
        disableAfterMs: 5 * 86_400_000,
      });
      const config = loadConfig({ ERP_WEBHOOK_RETRY_SCHEDULE: '250ms, 2s,1m', ERP_WEBHOOK_TIMEOUT_MS: '3000' }, CWD);
      expect(config.erpWebhooks).toMatchObject({ retryScheduleMs: [250, 2000, 60_000], timeoutMs: 3000 });
    });

    it('reads the circuit breaker, and never disables an endpoint with ERP_WEBHOOK_DISABLE_AFTER=off', () => {
      const config = loadConfig(
        { ERP_WEBHOOK_CIRCUIT_THRESHOLD: '3', ERP_WEBHOOK_CIRCUIT_COOLDOWN: '2m', ERP_WEBHOOK_DISABLE_AFTER: '12h' },
        CWD,
      );
      expect(config.erpWebhooks).toMatchObject({
        circuitThreshold: 3,
        circuitCooldownMs: 120_000,
        disableAfterMs: 43_200_000,
      });
      expect(loadConfig({ ERP_WEBHOOK_DISABLE_AFTER: 'off' }, CWD).erpWebhooks.disableAfterMs).toBeUndefined();
      expect(problemsOf({ ERP_WEBHOOK_CIRCUIT_THRESHOLD: '0' })[0]).toMatch(/^ERP_WEBHOOK_CIRCUIT_THRESHOLD: /);
    });

    it('names the variable of a schedule it cannot read', () => {
      expect(problemsOf({ ERP_WEBHOOK_RETRY_SCHEDULE: '5s,soon' })).toEqual([
        'ERP_WEBHOOK_RETRY_SCHEDULE: "soon" is not a duration such as 500ms, 5s, 5m, 2h or 1d',
      ]);
    });
  });

  describe('evidence wait', () => {
    it('waits a day for a signing time by default; takes a duration', () => {
      expect(loadConfig({}, CWD).evidenceWaitMs).toBe(86_400_000);
      expect(loadConfig({ EVIDENCE_WAIT: '90m' }, CWD).evidenceWaitMs).toBe(5_400_000);
      expect(problemsOf({ EVIDENCE_WAIT: '0s' })[0]).toMatch(/^EVIDENCE_WAIT: .*"0s"/);
    });
  });

  describe('reconciler', () => {
    it('checks a contract quiet for 15 minutes, at most 6 hours apart, by default', () => {
      expect(loadConfig({}, CWD).reconciler).toEqual({ enabled: true, afterMs: 900_000, maxIntervalMs: 21_600_000 });
      const config = loadConfig({ RECONCILE_AFTER: '90s', RECONCILE_MAX_INTERVAL: '2h' }, CWD);
      expect(config.reconciler).toEqual({ enabled: true, afterMs: 90_000, maxIntervalMs: 7_200_000 });
      expect(loadConfig({ RECONCILE_AFTER: 'off' }, CWD).reconciler.enabled).toBe(false);
    });

    it('names the variable of a duration it cannot read, or one out of range or listed', () => {
      expect(problemsOf({ RECONCILE_AFTER: 'soon' })).toEqual([
        'RECONCILE_AFTER: expected one duration such as 90s, 15m or 6h, from 1000 to 2592000000 ms, got "soon"',
      ]);
      expect(problemsOf({ RECONCILE_AFTER: '10ms' })[0]).toMatch(/^RECONCILE_AFTER: .*"10ms"/);
      expect(problemsOf({ RECONCILE_MAX_INTERVAL: '1h,2h' })[0]).toMatch(/^RECONCILE_MAX_INTERVAL: .*"1h,2h"/);
    });
  });

  describe('provisioning', () => {
    it('has no targets by default, and sane retry defaults', () => {
      expect(loadConfig({}, CWD).provisioning).toEqual({
        targets: {},
        timeoutMs: 10_000,
        maxAttempts: 10,
        backoffMs: 5_000,
        maxBackoffMs: 3_600_000,
      });
    });

    it('reads a target per PROVISIONING_<ACTION>_URL, with the shared secret or its own', () => {
      const config = loadConfig(
        {
          PROVISIONING_ACCESS_CREDENTIALS_URL: 'https://accounts.example/api/',
          PROVISIONING_WAREHOUSE_ORDER_URL: 'http://wms.internal:8080',
          PROVISIONING_WAREHOUSE_ORDER_SECRET: 'warehouse-secret-0123456789',
          PROVISIONING_SECRET: 'shared-secret-0123456789',
          PROVISIONING_TIMEOUT_MS: '2500',
          PROVISIONING_MAX_ATTEMPTS: '4',
          PROVISIONING_BACKOFF_MS: '200',
          PROVISIONING_MAX_BACKOFF_MS: '60000',
        },
        CWD,
      ).provisioning;
      expect(config).toEqual({
        targets: {
          'access-credentials': { url: 'https://accounts.example/api', secret: 'shared-secret-0123456789' },
          'warehouse-order': { url: 'http://wms.internal:8080', secret: 'warehouse-secret-0123456789' },
        },
        timeoutMs: 2500,
        maxAttempts: 4,
        backoffMs: 200,
        maxBackoffMs: 60_000,
      });
    });

    it('refuses a target without a secret, a short secret, a bad URL and a cap below the backoff', () => {
      expect(problemsOf({ PROVISIONING_ACCESS_CREDENTIALS_URL: 'http://a.example' })).toEqual([
        'PROVISIONING_ACCESS_CREDENTIALS_SECRET: required (or PROVISIONING_SECRET) when PROVISIONING_ACCESS_CREDENTIALS_URL is set: every call is signed',
      ]);
      expect(problemsOf({ PROVISIONING_SECRET: 'short' })).toEqual([
        'PROVISIONING_SECRET: must be at least 16 characters',
      ]);
      expect(
        problemsOf({ PROVISIONING_SECRET: 'shared-secret-0123456789', PROVISIONING_WAREHOUSE_ORDER_URL: 'ftp://x' })[0],
      ).toMatch(/^PROVISIONING_WAREHOUSE_ORDER_URL: /);
      expect(problemsOf({ PROVISIONING_BACKOFF_MS: '5000', PROVISIONING_MAX_BACKOFF_MS: '1000' })).toEqual([
        'PROVISIONING_MAX_BACKOFF_MS: must be at least PROVISIONING_BACKOFF_MS',
      ]);
      expect(messageOf({ PROVISIONING_SECRET: 'short' })).not.toContain('"short"');
    });
  });

  describe('invoicing', () => {
    it('has demo defaults so npm start works, and mails to DATA_DIR/mail without SMTP_URL', () => {
      expect(loadConfig({}, CWD).invoicing).toEqual({
        seller: { name: 'SignBridge Demo S.L.', taxId: 'B00000000', address: 'Calle de Alcalá 1, 28014 Madrid, Spain' },
        invoiceSeries: 'F',
        creditNoteSeries: 'R',
        smtpUrl: undefined,
        smtpTimeoutMs: 30_000,
        mailDir: resolve(CWD, '.data/mail'),
        mailFrom: 'SignBridge Invoices <invoices@signbridge.example>',
      });
    });

    it('reads the seller, the series and SMTP_URL', () => {
      const invoicing = loadConfig(
        {
          SELLER_NAME: 'Acme S.L.',
          SELLER_TAX_ID: 'B12345678',
          SELLER_ADDRESS: 'Gran Via 2, Madrid',
          INVOICE_SERIES: 'FA',
          CREDIT_NOTE_SERIES: 'RA',
          SMTP_URL: 'smtp://mail.internal:587',
          MAIL_FROM: 'billing@acme.example',
          DATA_DIR: '/var/lib/sb',
        },
        CWD,
      ).invoicing;
      expect(invoicing).toMatchObject({
        seller: { name: 'Acme S.L.', taxId: 'B12345678', address: 'Gran Via 2, Madrid' },
        invoiceSeries: 'FA',
        creditNoteSeries: 'RA',
        smtpUrl: 'smtp://mail.internal:587',
        mailDir: '/var/lib/sb/mail',
        mailFrom: 'billing@acme.example',
      });
    });

    it('names the variable of a bad series, tax id, SMTP URL or sender', () => {
      expect(problemsOf({ INVOICE_SERIES: 'f-1' })[0]).toMatch(/^INVOICE_SERIES: /);
      expect(problemsOf({ CREDIT_NOTE_SERIES: 'F' })[0]).toMatch(/^CREDIT_NOTE_SERIES: .*own/);
      expect(problemsOf({ SELLER_TAX_ID: 'b 123' })[0]).toMatch(/^SELLER_TAX_ID: /);
      expect(problemsOf({ SMTP_URL: 'http://mail' })[0]).toMatch(/^SMTP_URL: /);
      expect(problemsOf({ MAIL_FROM: 'nobody' })[0]).toMatch(/^MAIL_FROM: /);
      expect(loadConfig({ SIGNBRIDGE_FAULT: 'crash-after-invoice-issued' }, CWD).faultInjection).toBe(
        'crash-after-invoice-issued',
      );
    });
  });

  describe('how long a transaction may wait', () => {
    it('ends sessions idle in a transaction after 2 minutes, and SMTP waits after 30 s, by default', () => {
      const config = loadConfig({}, CWD);
      expect(config.database.idleInTransactionTimeoutMs).toBe(120_000);
      expect(config.invoicing.smtpTimeoutMs).toBe(30_000);
      expect(loadConfig({ DB_IDLE_IN_TRANSACTION_TIMEOUT: 'off' }, CWD).database.idleInTransactionTimeoutMs).toBe(
        undefined,
      );
      expect(loadConfig({ DB_IDLE_IN_TRANSACTION_TIMEOUT: '10m', SMTP_TIMEOUT: '2m' }, CWD)).toMatchObject({
        database: { idleInTransactionTimeoutMs: 600_000 },
        invoicing: { smtpTimeoutMs: 120_000 },
      });
    });

    it('refuses an idle timeout that what a transaction waits on could reach', () => {
      // Documents are downloaded, and mails sent, inside a subscriber's transaction.
      expect(problemsOf({ DB_IDLE_IN_TRANSACTION_TIMEOUT: '30s' })[0]).toMatch(
        /^DB_IDLE_IN_TRANSACTION_TIMEOUT: must be longer than 90000 ms/,
      );
      expect(problemsOf({ DB_IDLE_IN_TRANSACTION_TIMEOUT: '2m', PROVIDER_TIMEOUT_MS: '60000' })[0]).toMatch(
        /^DB_IDLE_IN_TRANSACTION_TIMEOUT: must be longer than 120000 ms/,
      );
      expect(problemsOf({ SMTP_TIMEOUT: 'soon' })[0]).toMatch(/^SMTP_TIMEOUT: /);
    });
  });
});
