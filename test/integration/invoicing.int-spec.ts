import { DataSource } from 'typeorm';
import { appendToOutbox, SubscriberRunner } from '@app/event-bus';
import { api, eventually, startTestApp, TEST_ADMIN_KEY, waitForStatus, type TestApp } from '../support/test-app';
import { samplePdfBase64, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { connectTestDatabase } from '../support/test-db';
import {
  pdfText,
  sendBilledContract,
  signAll,
  startTestSmtpServer,
  uniqueSeries,
  uniqueTaxId,
  type TestSmtpServer,
} from '../support/invoicing';

interface Money {
  currency: string;
  amountCents: number;
}
interface Invoice {
  id: string;
  kind: string;
  number: string;
  sequence: number;
  contractId: string;
  customerId: string;
  correctsInvoiceId: string | null;
  issueDate: string;
  status: string;
  total: Money;
  totalVat: Money;
  taxBreakdown: { rate: number; base: Money; vat: Money }[];
  buyer: { name: string; taxId: string | null; address: string; email: string };
  verifactu: { fingerprint: string; previousFingerprint: string | null; qrUrl: string };
}

/**
 * Invariant 3 through the whole path: a contract signed on the sandbox platform activates, its first invoice is
 * issued once, numbered in its series, mailed over real SMTP with the PDF, credited, listed and verified.
 */
describe('invoicing: first invoice, mail, credit notes, API, chain', () => {
  let sandbox: TestSandbox;
  let app: TestApp;
  let smtp: TestSmtpServer;
  let db: DataSource;
  let pdf: string;
  const series = uniqueSeries();
  const creditSeries = uniqueSeries();
  const taxId = uniqueTaxId();

  beforeAll(async () => {
    smtp = await startTestSmtpServer();
    sandbox = await startTestSandbox();
    app = await startTestApp({
      env: {
        SANDBOX_URL: sandbox.url,
        SMTP_URL: smtp.url,
        INVOICE_SERIES: series,
        CREDIT_NOTE_SERIES: creditSeries,
        SELLER_TAX_ID: taxId,
        SELLER_NAME: 'Vendedora de Pruebas S.L.',
      },
    });
    db = await connectTestDatabase();
    pdf = await samplePdfBase64('Billed', 1);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
    await smtp.close();
    await db.destroy();
  });

  async function activatedInvoice(billing: Parameters<typeof sendBilledContract>[2]): Promise<Invoice> {
    const contract = await sendBilledContract(app.url, pdf, billing);
    await signAll(sandbox, contract);
    await waitForStatus(app.url, `/api/v1/contracts/${contract.contractId}`, 'active', 30_000);
    return eventually(
      async () => {
        const res = await api<{ items: Invoice[] }>(
          app.url,
          'GET',
          `/api/v1/invoices?contractId=${contract.contractId}`,
        );
        return res.body.items.find((i) => i.status === 'sent');
      },
      { timeoutMs: 30_000, what: `the invoice of ${contract.contractId} to be sent` },
    );
  }

  let first: Invoice;

  it('issues the first invoice on activation and mails it with the PDF over SMTP', async () => {
    first = await activatedInvoice({
      lines: [
        { description: 'Pro plan, first month', quantity: 2, unitPriceCents: 19_900, vatRate: 21 },
        { description: 'Onboarding', quantity: 1, unitPriceCents: 1_050, vatRate: 10 },
        { description: 'Exempt fee', quantity: 1, unitPriceCents: 500, vatRate: 0 },
      ],
    });
    expect(first.kind).toBe('invoice');
    expect(first.number).toMatch(new RegExp(`^${series}\\d{4}-\\d{6}$`));
    expect(first.taxBreakdown).toEqual([
      { rate: 21, base: { currency: 'EUR', amountCents: 39_800 }, vat: { currency: 'EUR', amountCents: 8_358 } },
      { rate: 10, base: { currency: 'EUR', amountCents: 1_050 }, vat: { currency: 'EUR', amountCents: 105 } },
      { rate: 0, base: { currency: 'EUR', amountCents: 500 }, vat: { currency: 'EUR', amountCents: 0 } },
    ]);
    expect(first.total).toEqual({ currency: 'EUR', amountCents: 49_813 });
    expect(first.buyer).toMatchObject({ taxId: 'ESB12345678', address: 'Gran Vía 2, 28013 Madrid, ES' });
    expect(first.verifactu.qrUrl).toContain(`nif=${taxId}&numserie=${first.number}`);
    expect(first.verifactu.qrUrl).toContain('importe=498.13');

    const mail = await eventually(async () => smtp.messages.find((m) => m.messageId === `<${first.id}@signbridge>`), {
      what: 'the invoice mail at the SMTP server',
    });
    expect(mail.subject).toBe(`Invoice ${first.number} from Vendedora de Pruebas S.L.`);
    expect((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text).toBe(first.buyer.email);
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]).toMatchObject({ contentType: 'application/pdf', filename: `${first.number}.pdf` });
    const text = await pdfText(mail.attachments[0].content);
    for (const expected of [
      first.number,
      'Total: 498.13 EUR',
      'Vendedora de Pruebas S.L.',
      taxId,
      first.buyer.name,
      'ESB12345678',
      'Gran Vía 2',
      'Pro plan, first month',
      '83.58 EUR',
      first.issueDate,
    ]) {
      expect(text).toContain(expected);
    }

    // The API's PDF is the same document.
    const response = await fetch(`${app.url}/api/v1/invoices/${first.id}/pdf`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    });
    expect(response.headers.get('content-type')).toBe('application/pdf');
    expect(await pdfText(Buffer.from(await response.arrayBuffer()))).toContain(first.number);

    const timeline = await api<{ items: { type: string; statusBefore: string; statusAfter: string }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${first.contractId}/timeline`,
    );
    const types = timeline.body.items.map((i) => i.type);
    expect(types.filter((t) => t === 'invoice_issued')).toHaveLength(1);
    expect(types.filter((t) => t === 'invoice_sent')).toHaveLength(1);
    expect(timeline.body.items.find((i) => i.type === 'invoice_issued')).toMatchObject({
      statusBefore: 'active',
      statusAfter: 'active',
    });
  });

  it('numbers a second contract next in the series, bills a plan, and chains it to the first', async () => {
    const second = await activatedInvoice({ plan: 'pro' });
    expect(second.sequence).toBe(first.sequence + 1);
    expect(second.total).toEqual({ currency: 'EUR', amountCents: 24_079 }); // 199.00 + 21 % (41.79)
    expect(second.verifactu.previousFingerprint).toBe(first.verifactu.fingerprint);
    const receipts: { outcome: string }[] = await db.query(
      `SELECT r.outcome FROM subscriber_receipts r JOIN outbox o ON o.id = r.event_id
        WHERE o.type = 'ContractActivated' AND o.aggregate_id = $1 AND r.subscriber = 'invoicing.issue-first-invoice'`,
      [second.contractId],
    );
    expect(receipts).toEqual([{ outcome: 'done' }]);
  });

  it('issues no second first invoice for a contract invoiced already, and takes no number for it', async () => {
    // Another ContractActivated for the first contract (a different event, so a receipt of its own): what the
    // subscriber must survive if activation were ever reported twice.
    const [again] = await app.app.get(DataSource).transaction((em) =>
      appendToOutbox(em, [{ type: 'ContractActivated', data: { customerId: first.customerId } }], {
        aggregateType: 'contract',
        aggregateId: first.contractId,
        correlationId: first.contractId,
        causationId: first.contractId,
        occurredAt: new Date(),
      }),
    );
    await db.query(`UPDATE outbox SET dispatched_at = now() WHERE id = $1`, [again.id]);
    const counter = async () =>
      (
        (await db.query(`SELECT last_number FROM invoice_series_counters WHERE series = $1`, [series])) as {
          last_number: number;
        }[]
      )[0].last_number;
    const numbersBefore = await counter();
    const outcome = await app.app
      .get(SubscriberRunner)
      .deliver({ eventId: again.id, subscriber: 'invoicing.issue-first-invoice' });
    expect(outcome).toBe('skipped');
    const invoices: unknown[] = await db.query(`SELECT 1 FROM invoices WHERE contract_id = $1 AND kind = 'invoice'`, [
      first.contractId,
    ]);
    expect(invoices).toHaveLength(1);
    expect(await counter()).toBe(numbersBefore);
  });

  it("takes the issuer's chain lock before numbering: while another transaction holds it, no invoice is issued", async () => {
    const holder = db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    let held = true;
    try {
      await holder.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
        `signbridge:invoice-chain:${taxId}`,
      ]);
      const contract = await sendBilledContract(app.url, pdf, {
        lines: [{ description: 'Held back', quantity: 1, unitPriceCents: 5_000, vatRate: 21 }],
      });
      await signAll(sandbox, contract);
      await waitForStatus(app.url, `/api/v1/contracts/${contract.contractId}`, 'active', 30_000);
      const issued = async () =>
        (
          (await db.query(`SELECT full_number FROM invoices WHERE contract_id = $1`, [contract.contractId])) as {
            full_number: string;
          }[]
        )[0];
      // The handler waits for the lock, in the transaction it shares with the activation's other subscribers.
      await eventually(
        async () => {
          const [{ waiting }]: { waiting: boolean }[] = await db.query(
            `SELECT EXISTS (SELECT 1 FROM pg_locks
                             WHERE locktype = 'advisory' AND NOT granted
                               AND ((classid::bigint << 32) | objid::bigint) = hashtextextended($1, 0)) AS waiting`,
            [`signbridge:invoice-chain:${taxId}`],
          );
          return waiting || undefined;
        },
        { timeoutMs: 15_000, what: "the first invoice's handler waiting for the chain's lock" },
      );
      expect(await issued()).toBeUndefined();
      await holder.commitTransaction();
      held = false;
      await eventually(issued, { timeoutMs: 15_000, what: 'the invoice once the lock is released' });
    } finally {
      if (held) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('credits part of an invoice, then the rest, and refuses more than remains', async () => {
    const partial = await api<Invoice>(app.url, 'POST', `/api/v1/invoices/${first.id}/credit-notes`, {
      reason: 'One seat returned',
      lines: [{ description: 'Pro plan, one seat', quantity: 1, unitPriceCents: 19_900, vatRate: 21 }],
    });
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({
      kind: 'credit_note',
      number: expect.stringMatching(new RegExp(`^${creditSeries}\\d{4}-000001$`)),
      correctsInvoiceId: first.id,
      total: { currency: 'EUR', amountCents: -24_079 },
    });
    const tooMuch = await api<{ code: string }>(app.url, 'POST', `/api/v1/invoices/${first.id}/credit-notes`, {
      reason: 'Two seats',
      lines: [{ description: 'Pro plan', quantity: 2, unitPriceCents: 19_900, vatRate: 21 }],
    });
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.code).toBe('INVOICE.CREDIT_EXCEEDS_REMAINING');
    const wholeAgain = await api<{ code: string }>(app.url, 'POST', `/api/v1/invoices/${first.id}/credit-notes`, {
      reason: 'Cancel everything',
    });
    expect(wholeAgain.status).toBe(409);
    const rest = await api<Invoice>(app.url, 'POST', `/api/v1/invoices/${first.id}/credit-notes`, {
      reason: 'Rest cancelled',
      lines: [
        { description: 'Pro plan, second seat', quantity: 1, unitPriceCents: 19_900, vatRate: 21 },
        { description: 'Onboarding', quantity: 1, unitPriceCents: 1_050, vatRate: 10 },
        { description: 'Exempt fee', quantity: 1, unitPriceCents: 500, vatRate: 0 },
      ],
    });
    expect(rest.status).toBe(201);
    expect(rest.body.number).toMatch(new RegExp(`^${creditSeries}\\d{4}-000002$`));
    expect(partial.body.total.amountCents + rest.body.total.amountCents).toBe(-first.total.amountCents);
    // Only the note that leaves nothing to credit cancels the whole invoice (provisioning reverses on that).
    const notes: { payload: { invoiceId: string; cancelsWholeInvoice: boolean } }[] = await db.query(
      `SELECT payload FROM outbox WHERE type = 'CreditNoteIssued' AND payload->>'correctsInvoiceId' = $1`,
      [first.id],
    );
    expect(Object.fromEntries(notes.map((n) => [n.payload.invoiceId, n.payload.cancelsWholeInvoice]))).toEqual({
      [partial.body.id]: false,
      [rest.body.id]: true,
    });
    const ofACreditNote = await api<{ code: string }>(
      app.url,
      'POST',
      `/api/v1/invoices/${partial.body.id}/credit-notes`,
      { reason: 'x' },
    );
    expect(ofACreditNote.status).toBe(409);
    expect(ofACreditNote.body.code).toBe('INVOICE.NOT_CREDITABLE');
    const bad = await api(app.url, 'POST', `/api/v1/invoices/${first.id}/credit-notes`, { lines: [] });
    expect(bad.status).toBe(400);

    // Credit notes are mailed too; the original invoice never changed.
    await eventually(async () =>
      smtp.messages.some((m) => m.messageId === `<${rest.body.id}@signbridge>`) ? true : undefined,
    );
    const original = await api<Invoice>(app.url, 'GET', `/api/v1/invoices/${first.id}`);
    expect(original.body.total).toEqual(first.total);
  });

  it('finds the credit note a retried request issued when its stored answer was lost, instead of a second', async () => {
    const invoice = await activatedInvoice({ plan: 'pro' });
    const post = (invoiceId: string) =>
      fetch(`${app.url}/api/v1/invoices/${invoiceId}/credit-notes`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_ADMIN_KEY}`,
          'content-type': 'application/json',
          'idempotency-key': `credit-${invoice.id}`,
        },
        body: JSON.stringify({
          reason: 'Goodwill',
          lines: [{ description: 'Discount', quantity: 1, unitPriceCents: 1_000, vatRate: 21 }],
        }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Invoice & { code?: string } }));
    // The process died after the credit note committed and before the key's answer was stored: no answer on record.
    const forgetAnswer = () => db.query(`DELETE FROM idempotency_keys WHERE key = $1`, [`credit-${invoice.id}`]);

    const first = await post(invoice.id);
    expect(first.status).toBe(201);
    await forgetAnswer();
    const retried = await post(invoice.id);
    expect({ status: retried.status, id: retried.body.id, number: retried.body.number }).toEqual({
      status: 201,
      id: first.body.id,
      number: first.body.number,
    });
    const notes: unknown[] = await db.query(`SELECT 1 FROM invoices WHERE corrects_invoice_id = $1`, [invoice.id]);
    expect(notes).toHaveLength(1);

    // The same key for another invoice is another request: refused, not answered with this note.
    await forgetAnswer();
    const other = await activatedInvoice({ plan: 'pro' });
    const reused = await post(other.id);
    expect({ status: reused.status, code: reused.body.code }).toEqual({ status: 422, code: 'IDEMPOTENCY.KEY_REUSED' });
  });

  it('filters and pages the list', async () => {
    const byCustomer = await api<{ items: Invoice[] }>(
      app.url,
      'GET',
      `/api/v1/invoices?customerId=${first.customerId}`,
    );
    expect(byCustomer.body.items.map((i) => i.kind).sort()).toEqual(['credit_note', 'credit_note', 'invoice']);
    const notes = await api<{ items: Invoice[] }>(
      app.url,
      'GET',
      `/api/v1/invoices?contractId=${first.contractId}&kind=credit_note`,
    );
    expect(notes.body.items.every((i) => i.kind === 'credit_note' && i.correctsInvoiceId === first.id)).toBe(true);
    expect(notes.body.items).toHaveLength(2);
    const future = await api<{ items: Invoice[] }>(app.url, 'GET', `/api/v1/invoices?from=2999-01-01`);
    expect(future.body.items).toEqual([]);
    const today = await api<{ items: Invoice[] }>(
      app.url,
      'GET',
      `/api/v1/invoices?customerId=${first.customerId}&from=${first.issueDate}&to=${first.issueDate}&status=sent`,
    );
    expect(today.body.items.length).toBeGreaterThanOrEqual(1);
    const page1 = await api<{ items: Invoice[]; nextCursor: string }>(
      app.url,
      'GET',
      `/api/v1/invoices?customerId=${first.customerId}&limit=2`,
    );
    expect(page1.body.items).toHaveLength(2);
    const page2 = await api<{ items: Invoice[]; nextCursor: string | null }>(
      app.url,
      'GET',
      `/api/v1/invoices?customerId=${first.customerId}&limit=2&cursor=${page1.body.nextCursor}`,
    );
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    expect((await api(app.url, 'GET', '/api/v1/invoices?kind=receipt')).status).toBe(400);
    // Days that do not exist are refused by validation, not by PostgreSQL as a 500.
    for (const date of ['2026-02-30', '2026-13-45', '0000-01-01']) {
      const wrong = await api<{ code: string }>(app.url, 'GET', `/api/v1/invoices?from=2026-01-01&to=${date}`);
      expect({ date, status: wrong.status, code: wrong.body.code }).toEqual({
        date,
        status: 400,
        code: 'REQUEST.INVALID',
      });
    }
    expect((await api(app.url, 'GET', `/api/v1/invoices/${first.contractId}`)).status).toBe(404);
  });

  it('refuses to change or delete an issued invoice in the database', async () => {
    await expect(db.query(`UPDATE invoices SET total_cents = 1 WHERE id = $1`, [first.id])).rejects.toThrow(
      /never changes/,
    );
    await expect(db.query(`DELETE FROM invoices WHERE id = $1`, [first.id])).rejects.toThrow(/not allowed/);
  });

  it('verifies the chain, and names the first record whose fingerprint was tampered with', async () => {
    const valid = await api<{ valid: boolean; records: number; head: { number: string } }>(
      app.url,
      'GET',
      '/api/v1/invoices/verify',
    );
    // Two invoices (and one held back by the lock) and two credit notes above, then two invoices and one credit
    // note for the retried request.
    expect(valid.body).toMatchObject({ valid: true, records: 8 });
    // As a superuser, triggers off for this transaction only, on this test's own issuer (its own chain).
    const [second] = (await db.query(
      `SELECT id, full_number FROM invoices WHERE issuer_tax_id = $1 AND chain_position = 2`,
      [taxId],
    )) as { id: string; full_number: string }[];
    await db.transaction(async (em) => {
      await em.query(`SET LOCAL session_replication_role = replica`);
      await em.query(`UPDATE invoices SET fingerprint = $2 WHERE id = $1`, [second.id, '0'.repeat(64)]);
    });
    const broken = await api<{ valid: boolean; recordsChecked: number; brokenAt: { number: string; reason: string } }>(
      app.url,
      'GET',
      '/api/v1/invoices/verify',
    );
    expect(broken.body).toMatchObject({
      valid: false,
      recordsChecked: 1,
      brokenAt: { number: second.full_number, reason: 'fingerprint_mismatch' },
    });
  });

  it("makes the invoice out to the contract's billing party, part by part, and mails it there", async () => {
    const party = {
      name: 'Acme Holding S.A.',
      taxId: 'ESA87654321',
      email: `ap-${uniqueSeries().toLowerCase()}@example.test`,
      address: { line1: 'Passeig de Gràcia 5', city: 'Barcelona', postalCode: '08007', country: 'ES' },
    };
    const invoice = await activatedInvoice({ plan: 'basic', party });
    expect(invoice.buyer).toEqual({
      name: party.name,
      taxId: party.taxId,
      email: party.email,
      address: 'Passeig de Gràcia 5, 08007 Barcelona, ES',
    });
    const mail = await eventually(async () => smtp.messages.find((m) => m.messageId === `<${invoice.id}@signbridge>`), {
      what: "the invoice mail to the billing party's address",
    });
    expect((Array.isArray(mail.to) ? mail.to[0] : mail.to)?.text).toBe(party.email);
    const text = await pdfText(mail.attachments[0].content);
    for (const expected of [party.name, party.taxId, 'Passeig de Gràcia 5']) expect(text).toContain(expected);

    // Only the address given: the rest is still the customer's.
    const partly = await activatedInvoice({ plan: 'basic', party: { address: party.address } });
    expect(partly.buyer).toMatchObject({
      name: expect.stringMatching(/^Cliente /),
      taxId: 'ESB12345678',
      email: expect.stringMatching(/^billing-/),
      address: 'Passeig de Gràcia 5, 08007 Barcelona, ES',
    });
  });
});
