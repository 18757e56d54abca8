import { ConfigError, EnvReader } from '@app/common';
import { loadSandboxConfig, NO_FAULTS, parseFaults } from './sandbox-config';

describe('loadSandboxConfig', () => {
  it('has working defaults for an empty environment', () => {
    const config = loadSandboxConfig({}, '/srv/app');
    expect(config).toMatchObject({
      port: 3100,
      host: '127.0.0.1',
      publicUrl: undefined,
      dataDir: '/srv/app/.data',
      database: { url: undefined, embeddedPort: 54330, schema: 'sandbox', poolSize: 10 },
      apiKey: undefined,
      webhookSecret: undefined,
      faults: NO_FAULTS,
      otp: { maxAttempts: 3, ttlSeconds: 600 },
      expiryCheckMs: 5000,
      logLevel: 'log',
    });
    expect(config.webhooks.retryScheduleMs[0]).toBe(5000);
  });

  it('reads every variable it knows', () => {
    const config = loadSandboxConfig({
      SANDBOX_PORT: '0',
      SANDBOX_PUBLIC_URL: 'https://sandbox.example.com/',
      DATA_DIR: '/tmp/d',
      SANDBOX_DATABASE_URL: 'postgres://u@h:5432/db',
      SANDBOX_DB_SCHEMA: 'sbx_abc',
      SANDBOX_API_KEY: 'sbx_0123456789abcdef',
      SANDBOX_WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
      SANDBOX_OTP_MAX_ATTEMPTS: '5',
      SANDBOX_EXPIRY_CHECK_MS: '200',
      SANDBOX_FAULTS: 'duplicate,deliver-before-response',
    });
    expect(config).toMatchObject({
      port: 0,
      publicUrl: 'https://sandbox.example.com',
      dataDir: '/tmp/d',
      database: { url: 'postgres://u@h:5432/db', schema: 'sbx_abc' },
      apiKey: 'sbx_0123456789abcdef',
      otp: { maxAttempts: 5 },
      expiryCheckMs: 200,
      faults: { ...NO_FAULTS, duplicate: true, deliverBeforeResponse: true },
    });
  });

  it('lists every problem at once, each naming its variable', () => {
    let error: unknown;
    try {
      loadSandboxConfig({ SANDBOX_API_KEY: 'short', SANDBOX_WEBHOOK_SECRET: 'nope', SANDBOX_DB_SCHEMA: 'Bad-Name' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('SANDBOX_API_KEY');
    expect(problems).toContain('SANDBOX_WEBHOOK_SECRET');
    expect(problems).toContain('SANDBOX_DB_SCHEMA');
  });

  it('parses retry schedules and faults', () => {
    const problems: string[] = [];
    const schedule = (raw: string) =>
      new EnvReader({ SANDBOX_WEBHOOK_RETRY_SCHEDULE: raw }, problems).durations(
        'SANDBOX_WEBHOOK_RETRY_SCHEDULE',
        '1s',
      );
    expect(schedule('500ms,5s,2m,1h,1d,250')).toEqual([500, 5000, 120_000, 3_600_000, 86_400_000, 250]);
    expect(parseFaults('shuffle=300,drop-first,delay=20', problems)).toEqual({
      ...NO_FAULTS,
      shuffle: true,
      shuffleWindowMs: 300,
      dropFirstAttempt: true,
      delayMs: 20,
    });
    expect(problems).toEqual([]);
    parseFaults('explode', problems);
    schedule('5 parsecs');
    expect(problems).toHaveLength(2);
  });
});
