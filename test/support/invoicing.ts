import { randomBytes, randomUUID } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { decodePDFRawStream, PDFDocument, PDFRawStream } from 'pdf-lib';
import { SMTPServer } from 'smtp-server';
import type { TestSandbox } from './sandbox';
import { api } from './test-app';

/** A series of letters no other test uses, so numbering can be asserted from 1. */
export function uniqueSeries(): string {
  return Array.from(randomBytes(6), (b) => String.fromCharCode(65 + (b % 26))).join('');
}

/** A seller tax id of the test's own: its VeriFactu chain is then the test's alone. */
export function uniqueTaxId(): string {
  return `T${randomBytes(5).toString('hex').toUpperCase()}`;
}

export interface SentForBilling {
  contractId: string;
  customerId: string;
  envelopeId: string;
  signers: { email: string }[];
}

/** A customer (with tax id and address) and a contract sent through the sandbox, with invoice lines. */
export async function sendBilledContract(
  url: string,
  pdfBase64: string,
  billing: (
    { lines: { description: string; quantity: number; unitPriceCents: number; vatRate: number }[] } | { plan: string }
  ) & { party?: Record<string, unknown> },
): Promise<SentForBilling> {
  const tag = randomUUID().slice(0, 8);
  const customer = await api<{ id: string }>(url, 'POST', '/api/v1/customers', {
    externalRef: `inv-${tag}`,
    name: `Cliente ${tag} S.L.`,
    email: `billing-${tag}@example.test`,
    taxId: 'ESB12345678',
    address: { line1: 'Gran Vía 2', city: 'Madrid', postalCode: '28013', country: 'ES' },
  });
  if (customer.status !== 201) throw new Error(`customer: ${customer.status} ${JSON.stringify(customer.body)}`);
  const contract = await api<{ id: string; envelopeId: string; signers: { email: string }[] }>(
    url,
    'POST',
    '/api/v1/contracts',
    {
      customerId: customer.body.id,
      provider: 'sandbox',
      title: `Billed ${tag}`,
      document: { filename: 'contract.pdf', contentBase64: pdfBase64 },
      signers: [{ email: `signer-${tag}@example.test`, name: 'Ana García' }],
      amount: { currency: 'EUR', amountCents: 50_000 },
      requiredSignatureLevel: 'simple',
      billing,
    },
  );
  if (contract.status !== 201) throw new Error(`contract: ${contract.status} ${JSON.stringify(contract.body)}`);
  return {
    contractId: contract.body.id,
    customerId: customer.body.id,
    envelopeId: contract.body.envelopeId,
    signers: contract.body.signers,
  };
}

/** The signer signs on the platform; its webhooks then carry the contract to active. */
export async function signAll(sandbox: TestSandbox, contract: SentForBilling): Promise<void> {
  for (const signer of contract.signers) {
    const res = await sandbox.api('POST', `/v1/envelopes/${contract.envelopeId}/simulate`, {
      action: 'sign',
      signer: signer.email,
    });
    if (res.status !== 200) throw new Error(`simulate sign: ${res.status} ${JSON.stringify(res.body)}`);
  }
}

export interface TestSmtpServer {
  url: string;
  messages: ParsedMail[];
  close(): Promise<void>;
}

/** A real SMTP server (plain, no auth) that parses what it receives. */
export async function startTestSmtpServer(): Promise<TestSmtpServer> {
  const messages: ParsedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((mail) => {
          messages.push(mail);
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The text a PDF draws, with pdf-lib: the document must load, and each content stream is decoded and its
 * `<hex> Tj` / `(literal) Tj` strings read as WinAnsi (pdf-parse's pdf.js worker cannot start under Jest's VM).
 */
export async function pdfText(bytes: Buffer | Uint8Array): Promise<string> {
  const doc = await PDFDocument.load(bytes);
  const chunks: string[] = [];
  for (const [, object] of doc.context.enumerateIndirectObjects()) {
    if (!(object instanceof PDFRawStream)) continue;
    const content = Buffer.from(decodePDFRawStream(object).decode()).toString('latin1');
    for (const match of content.matchAll(/<([0-9A-Fa-f]*)>\s*Tj|\(((?:\\.|[^\\)])*)\)\s*Tj/g)) {
      chunks.push(match[1] !== undefined ? Buffer.from(match[1], 'hex').toString('latin1') : match[2]);
    }
  }
  return chunks.join('\n');
}
