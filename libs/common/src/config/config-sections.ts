import { isAbsolute, resolve } from 'node:path';
import type { EnvReader, Env } from './env-reader';

// The sections of AppConfig with parsing of their own: documents, provisioning, invoicing, billing plans,
// signature policy, the database role.

/** Where provisioning actions are sent, how each call is signed, and how long SignBridge keeps trying. */
export interface ProvisioningConfig {
  /**
   * By action name (`access-credentials`, `warehouse-order`, or any custom one): read from
   * `PROVISIONING_<ACTION>_URL` (and an optional `PROVISIONING_<ACTION>_SECRET`), the action's name upper-cased
   * with `-` as `_`. An action without a target fails its runs with PROVISIONING.TARGET_NOT_CONFIGURED.
   */
  targets: Record<string, { url: string; secret: string }>;
  /** Deadline of each call. */
  timeoutMs: number;
  /** Calls per run before it is `failed`, the first one included. */
  maxAttempts: number;
  /** Wait before the first retry; doubled for each later one. */
  backoffMs: number;
  /** Cap of any wait between two calls, a target's `Retry-After` included. */
  maxBackoffMs: number;
}

/** Where archived documents live: a directory (the embedded default) or an S3-compatible bucket. */
export interface DocumentsConfig {
  store: DocumentStoreKind;
  /** The filesystem driver's root; unused with s3. */
  dir: string;
  /** Set exactly when `store` is s3. */
  s3?: S3Config;
}

export interface S3Config {
  /** Unset: AWS S3 itself; set for MinIO, Ceph, R2 and the like. */
  endpoint?: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

export const DOCUMENT_STORE_KINDS = ['fs', 's3'] as const;
export type DocumentStoreKind = (typeof DOCUMENT_STORE_KINDS)[number];

/** Who issues the invoices, their series, and how they are mailed. */
export interface InvoicingConfig {
  seller: { name: string; taxId: string; address: string };
  /** Invoices and credit notes (rectificativas) each have their own gapless series, numbered per year. */
  invoiceSeries: string;
  creditNoteSeries: string;
  /** Unset: each mail is written as an .eml file under `mailDir`. */
  smtpUrl?: string;
  /** Each of connecting to the SMTP server, its greeting, and any silence after: past it, the send fails (retried). */
  smtpTimeoutMs: number;
  mailDir: string;
  mailFrom: string;
}

/** A catalogue entry a contract can bill instead of listing its lines. */
export interface BillingPlan {
  description: string;
  unitPriceCents: number;
  vatRate: number;
}

const DEFAULT_PLANS: Record<string, BillingPlan> = {
  basic: { description: 'Basic plan, first month', unitPriceCents: 4900, vatRate: 21 },
  pro: { description: 'Pro plan, first month', unitPriceCents: 19900, vatRate: 21 },
};

/** `BILLING_PLANS`: a JSON object of plans, `{"basic": {"description", "unitPriceCents", "vatRate"}}`. */
export function parseBillingPlans(raw: string | undefined, problems: string[]): Record<string, BillingPlan> {
  if (raw === undefined) return DEFAULT_PLANS;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    problems.push('BILLING_PLANS: expected a JSON object of plans');
    return DEFAULT_PLANS;
  }
  const plans: Record<string, BillingPlan> = {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    problems.push('BILLING_PLANS: expected a JSON object of plans');
    return DEFAULT_PLANS;
  }
  for (const [key, value] of Object.entries(parsed)) {
    const plan = value as Partial<BillingPlan>;
    const valid =
      /^[a-z0-9][a-z0-9-]{0,49}$/.test(key) &&
      typeof plan.description === 'string' &&
      plan.description.length > 0 &&
      Number.isSafeInteger(plan.unitPriceCents) &&
      (plan.unitPriceCents ?? -1) >= 0 &&
      typeof plan.vatRate === 'number' &&
      plan.vatRate >= 0 &&
      plan.vatRate <= 100;
    if (!valid) {
      problems.push(`BILLING_PLANS: plan "${key}" needs a description, whole unitPriceCents >= 0 and vatRate 0..100`);
      continue;
    }
    plans[key] = { description: plan.description!, unitPriceCents: plan.unitPriceCents!, vatRate: plan.vatRate! };
  }
  return plans;
}

export interface SignatureLevelRule {
  level: 'simple' | 'advanced' | 'qualified';
  currency: string;
  minAmountCents: number;
}

/** `"advanced@10000 EUR,qualified@250000 EUR"`: from 10,000 EUR advanced, from 250,000 EUR qualified; `none`: no rule. */
export function parseSignaturePolicy(raw: string, problems: string[]): SignatureLevelRule[] {
  if (raw === 'none') return [];
  const rules: SignatureLevelRule[] = [];
  for (const item of raw.split(',').map((s) => s.trim())) {
    const match = /^(simple|advanced|qualified)@(\d{1,13})(?:\.(\d{1,2}))? ?([A-Z]{3})$/.exec(item);
    if (!match) {
      problems.push(`SIGNATURE_LEVEL_POLICY: "${item}" is not <level>@<amount> <currency>, e.g. advanced@10000 EUR`);
      continue;
    }
    const cents = Number(match[2]) * 100 + Number((match[3] ?? '0').padEnd(2, '0'));
    rules.push({ level: match[1] as SignatureLevelRule['level'], currency: match[4], minAmountCents: cents });
  }
  return rules;
}

export function readDocumentsConfig(
  read: EnvReader,
  problems: string[],
  dataDir: string,
  cwd: string,
): DocumentsConfig {
  const store = read.oneOf('DOCUMENT_STORE', DOCUMENT_STORE_KINDS, 'fs');
  const dir = read.string('DOCUMENTS_DIR');
  const documents: DocumentsConfig = {
    store,
    dir: dir === undefined ? resolve(dataDir, 'documents') : isAbsolute(dir) ? dir : resolve(cwd, dir),
  };
  // Read whatever the driver, so a malformed value is reported even before it is used.
  const endpoint = read.url('S3_ENDPOINT', ['http:', 'https:']);
  const region = read.string('S3_REGION') ?? 'us-east-1';
  const forcePathStyle = read.bool('S3_FORCE_PATH_STYLE', true);
  if (store !== 's3') return documents;
  const required = (name: string): string => {
    const value = read.string(name);
    if (value === undefined) problems.push(`${name}: required when DOCUMENT_STORE=s3`);
    return value ?? '';
  };
  const bucket = required('S3_BUCKET');
  const accessKeyId = required('S3_ACCESS_KEY_ID');
  const secretAccessKey = required('S3_SECRET_ACCESS_KEY');
  return { ...documents, s3: { endpoint, bucket, region, accessKeyId, secretAccessKey, forcePathStyle } };
}

const PROVISIONING_TARGET = /^PROVISIONING_([A-Z0-9]+(?:_[A-Z0-9]+)*)_URL$/;

export function readProvisioningConfig(env: Env, read: EnvReader, problems: string[]): ProvisioningConfig {
  const shared = read.string('PROVISIONING_SECRET');
  const secretOk = (name: string, secret: string | undefined) => {
    if (secret !== undefined && secret.length < 16) problems.push(`${name}: must be at least 16 characters`);
  };
  secretOk('PROVISIONING_SECRET', shared);
  const targets: ProvisioningConfig['targets'] = {};
  for (const name of Object.keys(env).sort()) {
    const match = PROVISIONING_TARGET.exec(name);
    if (!match) continue;
    const url = read.url(name, ['http:', 'https:']);
    if (url === undefined) continue;
    const secretName = `PROVISIONING_${match[1]}_SECRET`;
    const secret = read.string(secretName) ?? shared;
    secretOk(secretName, read.string(secretName));
    if (secret === undefined) {
      problems.push(`${secretName}: required (or PROVISIONING_SECRET) when ${name} is set: every call is signed`);
      continue;
    }
    targets[match[1].toLowerCase().replace(/_/g, '-')] = { url: url.replace(/\/+$/, ''), secret };
  }
  const backoffMs = read.int('PROVISIONING_BACKOFF_MS', 5_000, 1, 3_600_000);
  const maxBackoffMs = read.int('PROVISIONING_MAX_BACKOFF_MS', 3_600_000, 1, 86_400_000);
  if (maxBackoffMs < backoffMs) problems.push('PROVISIONING_MAX_BACKOFF_MS: must be at least PROVISIONING_BACKOFF_MS');
  return {
    targets,
    timeoutMs: read.int('PROVISIONING_TIMEOUT_MS', 10_000, 100, 300_000),
    maxAttempts: read.int('PROVISIONING_MAX_ATTEMPTS', 10, 1, 100),
    backoffMs,
    maxBackoffMs,
  };
}

export function readInvoicingConfig(read: EnvReader, problems: string[], dataDir: string): InvoicingConfig {
  const series = (name: string, fallback: string): string => {
    const value = read.string(name) ?? fallback;
    // Part of every invoice number (F2026-000001): letters only, so the number stays unambiguous.
    if (!/^[A-Z]{1,10}$/.test(value)) {
      problems.push(`${name}: expected 1 to 10 capital letters, got "${value}"`);
      return fallback;
    }
    return value;
  };
  const invoiceSeries = series('INVOICE_SERIES', 'F');
  const creditNoteSeries = series('CREDIT_NOTE_SERIES', 'R');
  if (invoiceSeries === creditNoteSeries) {
    problems.push('CREDIT_NOTE_SERIES: credit notes need a series of their own, not the INVOICE_SERIES');
  }
  const taxId = read.string('SELLER_TAX_ID') ?? 'B00000000';
  if (!/^[A-Z0-9]{2,20}$/.test(taxId)) {
    problems.push(`SELLER_TAX_ID: expected 2 to 20 capital letters and digits, got "${taxId}"`);
  }
  const mailFrom = read.string('MAIL_FROM') ?? 'SignBridge Invoices <invoices@signbridge.example>';
  if (!mailFrom.includes('@'))
    problems.push('MAIL_FROM: expected an e-mail address, e.g. "Acme <billing@acme.example>"');
  return {
    seller: {
      name: read.string('SELLER_NAME') ?? 'SignBridge Demo S.L.',
      taxId,
      address: read.string('SELLER_ADDRESS') ?? 'Calle de Alcalá 1, 28014 Madrid, Spain',
    },
    invoiceSeries,
    creditNoteSeries,
    smtpUrl: read.url('SMTP_URL', ['smtp:', 'smtps:']),
    // nodemailer's own are 2 and 10 minutes, all that time inside the subscriber's transaction.
    smtpTimeoutMs: read.duration('SMTP_TIMEOUT', '30s', 100, 600_000),
    mailDir: resolve(dataDir, 'mail'),
    mailFrom,
  };
}

/** DATABASE_APP_ROLE: unset means the default role, an empty value means none (the login user's own rights). */
export function readAppRole(env: Env, problems: string[]): string | undefined {
  const raw = env.DATABASE_APP_ROLE;
  if (raw === undefined) return DEFAULT_APP_ROLE;
  const role = raw.trim();
  if (role === '') return undefined;
  // Goes into the connection's startup options (`-c role=...`): a plain identifier only.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) {
    problems.push(`DATABASE_APP_ROLE: expected a lower-case role name (letters, digits, _), got "${role}"`);
    return DEFAULT_APP_ROLE;
  }
  return role;
}

export const DEFAULT_APP_ROLE = 'signbridge_app';
