import { randomUUID } from 'node:crypto';
import { samplePdfBase64, type TestSandbox } from './sandbox';
import { api, TEST_ADMIN_KEY } from './test-app';

export interface Party {
  customerId: string;
  contractId: string;
  envelopeId: string;
  signers: { email: string; name: string }[];
}

/** A fresh pending customer; returns its id. */
export async function createCustomer(url: string, tag = randomUUID().slice(0, 8)): Promise<string> {
  const customer = await api<{ id: string }>(url, 'POST', '/api/v1/customers', {
    externalRef: `cust-${tag}`,
    name: `Customer ${tag}`,
    email: `billing-${tag}@example.test`,
  });
  if (customer.status !== 201) throw new Error(`customer: ${customer.status} ${JSON.stringify(customer.body)}`);
  return customer.body.id;
}

/** A fresh customer and a registered contract, unique per call: tests isolate by data, not truncation. */
export async function registerParty(
  url: string,
  options: {
    signers?: number;
    requiredSignatureLevel?: string;
    envelopeId?: string;
    sandbox?: TestSandbox;
    provisioning?: { action: string; params?: Record<string, unknown> }[];
  } = {},
): Promise<Party> {
  const tag = randomUUID().slice(0, 8);
  const customerId = await createCustomer(url, tag);
  const signers = Array.from({ length: options.signers ?? 2 }, (_, i) => ({
    email: `signer${i}-${tag}@example.test`,
    name: `Signer ${i}`,
  }));
  const envelopeId =
    options.envelopeId ?? (options.sandbox ? await signedEnvelope(options.sandbox, signers) : `env_${tag}`);
  const contract = await api<{ id: string }>(url, 'POST', '/api/v1/contracts', {
    customerId,
    provider: 'sandbox',
    envelopeId,
    title: `Contract ${tag}`,
    signers,
    amount: { currency: 'EUR', amountCents: 120000 },
    ...(options.requiredSignatureLevel ? { requiredSignatureLevel: options.requiredSignatureLevel } : {}),
    ...(options.provisioning ? { provisioning: options.provisioning } : {}),
  });
  if (contract.status !== 201) throw new Error(`contract: ${contract.status} ${JSON.stringify(contract.body)}`);
  return { customerId, contractId: contract.body.id, envelopeId, signers };
}

/** A realistic history, in occurrence order: sent, delivered, opened, each signer signs, completed. */
export function signingHistory(party: Pick<Party, 'envelopeId' | 'signers'>, level = 'advanced', start = Date.now()) {
  let t = start - 60_000;
  const at = () => new Date((t += 1000)).toISOString();
  const data = { envelope_id: party.envelopeId };
  return [
    { type: 'envelope.sent', timestamp: at(), data },
    { type: 'envelope.delivered', timestamp: at(), data },
    { type: 'envelope.opened', timestamp: at(), data },
    ...party.signers.map((s, i) => ({
      type: 'signer.signed',
      timestamp: at(),
      data: {
        ...data,
        signer: {
          email: s.email,
          name: s.name,
          ip: `203.0.113.${10 + i}`,
          user_agent: 'Mozilla/5.0 (X11; Linux x86_64)',
          auth_method: 'email_otp',
          signature_level: level,
        },
      },
    })),
    { type: 'envelope.completed', timestamp: at(), data },
  ];
}

/**
 * An envelope the sandbox platform has already seen signed, so its signed PDF and evidence exist when
 * SignBridge's archive asks for them. The test then plays the platform's webhooks itself (`signingHistory`),
 * in any order it likes; the sandbox's own webhooks go nowhere (port 9 refuses them).
 */
export async function signedEnvelope(
  sandbox: TestSandbox,
  signers: { email: string; name: string }[],
): Promise<string> {
  const created = await sandbox.api<{ id: string }>('POST', '/v1/envelopes', {
    title: 'Hand-played envelope',
    document: { filename: 'contract.pdf', content_base64: await samplePdfBase64('Hand-played', 1) },
    signers,
    signature_level: 'advanced',
    webhook_url: 'http://127.0.0.1:9/ignored',
  });
  if (created.status !== 201) throw new Error(`sandbox envelope: ${created.status} ${JSON.stringify(created.body)}`);
  for (const signer of signers) {
    const signed = await sandbox.api('POST', `/v1/envelopes/${created.body.id}/simulate`, {
      action: 'sign',
      signer: signer.email,
    });
    if (signed.status !== 200) throw new Error(`sandbox sign: ${signed.status} ${JSON.stringify(signed.body)}`);
  }
  return created.body.id;
}

export interface SentContract {
  id: string;
  status: string;
  envelopeId: string;
  requiredSignatureLevel: string;
  document: { filename: string; sha256: string } | null;
  signers: { email: string; name: string; signingUrl: string }[];
  voidRequestedAt: string | null;
}

export interface SendOptions {
  signers?: number;
  level?: 'simple' | 'advanced' | 'qualified';
  amountCents?: number;
  /** Base64 PDF; a fresh one-page sample by default. */
  pdf?: string;
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/**
 * A fresh customer and a contract sent for signature through SignBridge (POST /api/v1/contracts with a
 * document). Returns the HTTP status with the body, so a test can also assert on refusals.
 */
export async function sendContract(
  url: string,
  options: SendOptions = {},
): Promise<{ status: number; headers: Headers; customerId: string; contract: SentContract }> {
  const customerId = await createCustomer(url);
  const tag = customerId.slice(0, 8);
  const body = {
    customerId,
    provider: 'sandbox',
    title: `Agreement ${tag}`,
    document: { filename: 'agreement.pdf', contentBase64: options.pdf ?? (await samplePdfBase64('Agreement', 1)) },
    signers: Array.from({ length: options.signers ?? 1 }, (_, i) => ({
      email: `s${i}-${tag}@example.test`,
      name: `Signer ${i}`,
    })),
    amount: { currency: 'EUR', amountCents: options.amountCents ?? 99_000 },
    ...(options.level ? { requiredSignatureLevel: options.level } : {}),
    ...options.extra,
  };
  const response = await fetch(`${url}/api/v1/contracts`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json', ...options.headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    customerId,
    contract: (await response.json()) as SentContract,
  };
}
