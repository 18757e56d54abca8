import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { registerParty, sendContract, signedEnvelope, type SentContract } from '../support/scenario';
import { samplePdfBase64, signOnPage, startTestSandbox, type TestSandbox } from '../support/sandbox';
import { api, eventually, startTestApp, TEST_ADMIN_KEY, waitForStatus, type TestApp } from '../support/test-app';
import { TcpProxy } from '../support/tcp-proxy';
import { connectTestDatabase } from '../support/test-db';

interface DocumentView {
  id: string;
  kind: string;
  sha256: string;
  sizeBytes: number;
}
interface Evidence {
  signers: {
    email: string;
    signedAt: string;
    ip: string | null;
    userAgent: string | null;
    authMethod: string | null;
    signatureLevel: string | null;
    otpVerified: boolean | null;
    documentSha256: string | null;
    signedDocumentSha256: string;
    evidenceDocumentSha256: string;
  }[];
}
interface Envelope {
  signature_level: string;
  documents: { original: { sha256: string }; signed: { sha256: string }; audit_trail: { sha256: string } };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** No activation without the evidence on file: what the archive keeps, and what holds a contract back. */
describe('evidence archive and activation gate, through the sandbox platform', () => {
  let sandbox: TestSandbox;
  let app: TestApp;
  let db: DataSource;
  let pdf: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    // A short wait for a signing time that never comes; the queue's retries (8, from 50 ms doubling) outlast it.
    app = await startTestApp({ env: { SANDBOX_URL: sandbox.url, EVIDENCE_WAIT: '1s' } });
    db = await connectTestDatabase();
    pdf = await samplePdfBase64('Evidence', 1);
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
    await db.destroy();
  });

  async function send(
    target: TestApp,
    options: { signers?: number; level?: 'simple' | 'advanced'; amountCents?: number } = {},
  ): Promise<SentContract & { customerId: string }> {
    const sent = await sendContract(target.url, { ...options, amountCents: options.amountCents ?? 50_000, pdf });
    expect(sent.status).toBe(201);
    return { ...sent.contract, customerId: sent.customerId };
  }

  const simulateSign = (contract: SentContract, level?: string) =>
    Promise.all(
      contract.signers.map((s) =>
        sandbox.api('POST', `/v1/envelopes/${contract.envelopeId}/simulate`, {
          action: 'sign',
          signer: s.email,
          ip: '198.51.100.23',
          ...(level ? { level } : {}),
        }),
      ),
    );

  it('archives both documents with the platform’s hashes, records evidence per signer, then activates', async () => {
    const contract = await send(app, { signers: 2, level: 'advanced' });
    for (const signer of contract.signers) {
      expect((await signOnPage(sandbox.url, signer.signingUrl, signer, 'advanced')).status).toBeLessThan(400);
    }
    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'active');
    await waitForStatus(app.url, `/api/v1/customers/${contract.customerId}`, 'active');

    const envelope = await sandbox.api<Envelope>('GET', `/v1/envelopes/${contract.envelopeId}`);
    const documents = await api<{ items: DocumentView[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${contract.id}/documents`,
    );
    const byKind = Object.fromEntries(documents.body.items.map((d) => [d.kind, d]));
    expect(Object.keys(byKind).sort()).toEqual(['evidence', 'original', 'signed']);
    expect(byKind.original.sha256).toBe(contract.document?.sha256);
    expect(byKind.original.sha256).toBe(envelope.body.documents.original.sha256);
    expect(byKind.signed.sha256).toBe(envelope.body.documents.signed.sha256);
    expect(byKind.evidence.sha256).toBe(envelope.body.documents.audit_trail.sha256);
    for (const document of documents.body.items) {
      const content = await fetch(`${app.url}/api/v1/documents/${document.id}/content`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
      });
      const bytes = Buffer.from(await content.arrayBuffer());
      expect(bytes.length).toBe(document.sizeBytes);
      expect(sha256(bytes)).toBe(document.sha256);
    }

    const evidence = await api<Evidence>(app.url, 'GET', `/api/v1/contracts/${contract.id}/evidence`);
    expect(evidence.body.signers.map((s) => s.email).sort()).toEqual(contract.signers.map((s) => s.email).sort());
    for (const signer of evidence.body.signers) {
      expect(signer).toMatchObject({
        ip: expect.stringMatching(/\d/),
        userAgent: 'SignBridge e2e (fetch)',
        authMethod: 'email_otp',
        signatureLevel: 'advanced',
        otpVerified: true,
        documentSha256: contract.document?.sha256,
        signedDocumentSha256: byKind.signed.sha256,
        evidenceDocumentSha256: byKind.evidence.sha256,
      });
    }
    // The archive's report is on the timeline and in the audit log, and the chain holds.
    const timeline = await api<{ items: { type: string }[] }>(
      app.url,
      'GET',
      `/api/v1/contracts/${contract.id}/timeline`,
    );
    expect(timeline.body.items.map((i) => i.type)).toContain('evidence_archived');
    const audited = await eventually(async () => {
      const res = await api<{ items: { action: string }[] }>(
        app.url,
        'GET',
        `/api/v1/audit-log?subject=contract:${contract.id}&limit=100`,
      );
      const actions = res.body.items.map((e) => e.action);
      return actions.includes('DocumentsArchived') && actions.includes('ContractActivated') ? actions : undefined;
    });
    expect(audited.filter((a) => a === 'DocumentsArchived')).toHaveLength(1);
    expect((await api<{ valid: boolean }>(app.url, 'GET', '/api/v1/audit-log/verify')).body.valid).toBe(true);
  });

  it('holds a contract whose documents do not match the stated hash; staff release it with a justification', async () => {
    const contract = await send(app);
    await sandbox.api('PUT', '/v1/faults', { tamper_documents: true });
    try {
      await simulateSign(contract);
      const held = await waitForStatus<{ status: string; hold: { reason: string } | null }>(
        app.url,
        `/api/v1/contracts/${contract.id}`,
        'on_hold',
      );
      expect(held.hold?.reason).toBe('EVIDENCE.HASH_MISMATCH');
    } finally {
      await sandbox.api('PUT', '/v1/faults', { tamper_documents: false });
    }
    expect(
      (await api<{ status: string }>(app.url, 'GET', `/api/v1/customers/${contract.customerId}`)).body.status,
    ).toBe('pending');
    // Nothing that failed its check was kept.
    const documents = await api<{ items: unknown[] }>(app.url, 'GET', `/api/v1/contracts/${contract.id}/documents`);
    expect(documents.body.items).toEqual([]);

    const tooShort = await api<{ code: string }>(app.url, 'POST', `/api/v1/contracts/${contract.id}/release-hold`, {
      justification: 'ok',
    });
    expect(tooShort.status).toBe(400);
    const released = await api<{ status: string }>(app.url, 'POST', `/api/v1/contracts/${contract.id}/release-hold`, {
      justification: 'Checked the signed PDF with the platform by phone; ticket OPS-118.',
    });
    expect(released.status).toBe(200);
    expect(released.body.status).toBe('active');
    await waitForStatus(app.url, `/api/v1/customers/${contract.customerId}`, 'active');
    const again = await api<{ code: string }>(app.url, 'POST', `/api/v1/contracts/${contract.id}/release-hold`, {
      justification: 'Checked the signed PDF with the platform by phone; ticket OPS-118.',
    });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('CONTRACT.NOT_ON_HOLD');

    const entry = await eventually(async () => {
      const res = await api<{ items: { action: string; actor: string; data: Record<string, unknown> }[] }>(
        app.url,
        'GET',
        `/api/v1/audit-log?subject=contract:${contract.id}&limit=100`,
      );
      return res.body.items.find((e) => e.action === 'ContractHoldReleased');
    });
    expect(entry.data).toMatchObject({
      payload: { reason: 'EVIDENCE.HASH_MISMATCH', actor: expect.stringMatching(/^api-key:/) },
    });
  });

  it('retries, then holds a contract whose signer the platform’s evidence never dates (EVIDENCE.INCOMPLETE)', async () => {
    // Signed on the platform by someone the contract does not list: the platform completes the envelope, but
    // neither its evidence nor any webhook will ever say when the contract's own signer signed.
    const envelopeId = await signedEnvelope(sandbox, [{ email: 'stranger@example.test', name: 'Stranger' }]);
    const { contractId, customerId } = await registerParty(app.url, { envelopeId, signers: 1 });
    const reconciled = await api<{ contract: { status: string } }>(
      app.url,
      'POST',
      `/api/v1/contracts/${contractId}/reconcile`,
      {},
    );
    expect(reconciled.body.contract.status).toBe('signed');

    const held = await waitForStatus<{ status: string; hold: { reason: string; detail: string } | null }>(
      app.url,
      `/api/v1/contracts/${contractId}`,
      'on_hold',
    );
    expect(held.hold?.reason).toBe('EVIDENCE.INCOMPLETE');
    expect(held.hold?.detail).toMatch(/^no signing time for signer0-\S+@example\.test in the evidence of contract /);
    // Held only once EVIDENCE_WAIT had passed since the contract was signed, after retrying meanwhile.
    expect(
      Number(/, (\d+) s after the contract was signed$/.exec(held.hold?.detail ?? '')?.[1]),
    ).toBeGreaterThanOrEqual(1);
    expect((await api<{ status: string }>(app.url, 'GET', `/api/v1/customers/${customerId}`)).body.status).toBe(
      'pending',
    );
    const documents = await api<{ items: unknown[] }>(app.url, 'GET', `/api/v1/contracts/${contractId}/documents`);
    expect(documents.body.items).toEqual([]);
  });

  it('holds a simple signature on a contract that requires advanced; release activates it', async () => {
    const contract = await send(app, { level: 'advanced' });
    await simulateSign(contract, 'simple');
    const held = await waitForStatus<{ status: string; hold: { reason: string } | null }>(
      app.url,
      `/api/v1/contracts/${contract.id}`,
      'on_hold',
    );
    expect(held.hold?.reason).toBe('SIGNATURE.LEVEL_TOO_LOW');
    expect(
      (await api<{ status: string }>(app.url, 'GET', `/api/v1/customers/${contract.customerId}`)).body.status,
    ).toBe('pending');
    const released = await api<{ status: string }>(app.url, 'POST', `/api/v1/contracts/${contract.id}/release-hold`, {
      justification: 'Customer confirmed in person at the branch; see ERP note 4471.',
    });
    expect(released.status).toBe(200);
    // The level is released; activation still waits for the archived evidence, which is (or soon is) in place.
    await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'active');
    await waitForStatus(app.url, `/api/v1/customers/${contract.customerId}`, 'active');
  });

  it('requires advanced signatures from 10,000 EUR (the default policy), and asks the platform for them', async () => {
    const contract = await send(app, { amountCents: 1_500_000 });
    expect(contract.requiredSignatureLevel).toBe('advanced');
    const envelope = await sandbox.api<Envelope>('GET', `/v1/envelopes/${contract.envelopeId}`);
    expect(envelope.body.signature_level).toBe('advanced');
  });

  it('retries the archive while the platform is down, and activates once it is back, storing nothing twice', async () => {
    const target = new URL(sandbox.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port));
    await proxy.up();
    // A second SignBridge whose calls to the platform go through a proxy the test can cut.
    await app.close();
    app = await startTestApp({
      env: { SANDBOX_URL: `http://127.0.0.1:${proxy.port}`, JOB_BACKOFF_MS: '100', JOB_ATTEMPTS: '12' },
    });
    try {
      const contract = await send(app);
      proxy.refuse();
      await simulateSign(contract);
      await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'signed');
      // The archive tried twice and could not reach the platform: still signed, nothing else may activate it.
      await eventually(async () => (proxy.refused >= 2 ? true : undefined), { what: 'two archive attempts' });
      expect((await api<{ status: string }>(app.url, 'GET', `/api/v1/contracts/${contract.id}`)).body.status).toBe(
        'signed',
      );
      proxy.accept();
      await waitForStatus(app.url, `/api/v1/contracts/${contract.id}`, 'active', 30_000);

      const rows: { kind: string }[] = await db.query(`SELECT kind FROM documents WHERE contract_id = $1`, [
        contract.id,
      ]);
      expect(rows.map((r) => r.kind).sort()).toEqual(['evidence', 'original', 'signed']);
      const archived: unknown[] = await db.query(
        `SELECT 1 FROM outbox WHERE aggregate_id = $1 AND type = 'DocumentsArchived'`,
        [contract.id],
      );
      expect(archived).toHaveLength(1);
    } finally {
      await proxy.down();
    }
  });
});
