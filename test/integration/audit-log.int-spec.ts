import { createHash, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  AUDIT_BATCH,
  auditAppendOf,
  AuditLog,
  canonicalJson,
  DomainEventAuditor,
  GENESIS_HASH,
  verifyAuditChain,
  type ChainVerification,
} from '@app/archive';
import { OutboxRelay, Sweeper } from '@app/event-bus';
import { APP_CONFIG, hashApiKey, type AppConfig } from '@app/common';
import {
  api,
  eventually,
  postWebhook,
  signedDelivery,
  startTestApp,
  TEST_ADMIN_KEY,
  waitForStatus,
  type TestApp,
} from '../support/test-app';
import { connectTestDatabase, createOwnDatabase, type OwnDatabase } from '../support/test-db';
import { registerParty, signingHistory } from '../support/scenario';
import { startTestSandbox, type TestSandbox } from '../support/sandbox';

type Entry = {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown> & { personal?: { ref: string; sha256: string } };
  prevHash: string;
  hash: string;
};
type Page<T> = { items: T[]; nextCursor: string | null };

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The audit log against the real database. The chain is shared by every test file running in parallel, so the
 * whole chain is verified, but assertions on entries are by this file's own subjects; tampering happens either
 * inside a transaction that is rolled back, or in a database of its own.
 */
describe('audit log', () => {
  let target: TestApp;
  let db: DataSource;
  /** The app's own pool: connected as the application role. */
  let appDb: DataSource;
  /** Serves the signed documents the archive fetches before a contract may activate. */
  let sandbox: TestSandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox();
    target = await startTestApp({ env: { SANDBOX_URL: sandbox.url } });
    db = await connectTestDatabase(4);
    appDb = target.app.get(DataSource);
  });
  afterAll(async () => {
    await target.close();
    await sandbox.close();
    await db.destroy();
  });

  const verify = async (url = target.url) => {
    const res = await api<ChainVerification>(url, 'GET', '/api/v1/audit-log/verify');
    expect(res.status).toBe(200);
    return res.body;
  };
  const entriesOf = async (subject: string) => {
    const res = await api<Page<Entry>>(
      target.url,
      'GET',
      `/api/v1/audit-log?subject=${encodeURIComponent(subject)}&limit=200`,
    );
    expect(res.status).toBe(200);
    return res.body.items;
  };

  it('runs the app as signbridge_app, not as the owner', async () => {
    const [app]: { current_user: string; session_user: string }[] = await appDb.query(
      `SELECT current_user, session_user`,
    );
    expect(app).toEqual({ current_user: 'signbridge_app', session_user: 'postgres' });
  });

  it('is documented in Swagger, staff scope, with both verify answers', async () => {
    const doc = (await (await fetch(`${target.url}/docs-json`)).json()) as {
      paths: Record<string, { get?: { security?: unknown[]; responses: Record<string, unknown> } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    };
    const verifyOp = doc.paths['/api/v1/audit-log/verify']?.get;
    expect(verifyOp?.security).toEqual([{ bearer: [] }]);
    expect(Object.keys(verifyOp?.responses ?? {})).toEqual(expect.arrayContaining(['200', '401', '403']));
    expect(Object.keys(doc.components.schemas.ChainBrokenView.properties).sort()).toEqual([
      'brokenAt',
      'entriesChecked',
      'valid',
    ]);
    expect(doc.paths['/api/v1/audit-log']?.get).toBeDefined();
    const forbidden = await api<{ code: string }>(target.url, 'GET', '/api/v1/audit-log/verify', undefined, 'sb_nope');
    expect(forbidden.status).toBe(401);
  });

  it('50 concurrent appends from separate transactions: gapless seq, one chain, verified through the API', async () => {
    const subject = `test:${randomUUID()}`;
    const appended = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        appDb.transaction((em) =>
          AuditLog.append(em, { actor: 'system', action: 'TestAppended', subject, data: { i, text: 'ünï' } }),
        ),
      ),
    );
    expect(new Set(appended.map((e) => e.seq)).size).toBe(50);

    const [whole]: { n: string; min: string; max: string; hashes: string }[] = await db.query(
      `SELECT count(*) AS n, min(seq) AS min, max(seq) AS max, count(DISTINCT prev_hash) AS hashes FROM audit_log`,
    );
    expect(Number(whole.min)).toBe(1);
    expect(Number(whole.max)).toBe(Number(whole.n)); // no gaps anywhere in the chain
    expect(Number(whole.hashes)).toBe(Number(whole.n)); // no two entries extend the same one: no fork

    const mine = await entriesOf(subject);
    expect(mine.map((e) => e.data.i).sort((a, b) => Number(a) - Number(b))).toEqual([...Array(50).keys()]);
    expect(mine.map((e) => e.seq)).toEqual([...appended.map((e) => e.seq)].sort((a, b) => a - b));
    const stored = mine.find((e) => e.seq === appended[7].seq);
    expect(stored).toMatchObject({ hash: appended[7].hash, prevHash: appended[7].prevHash, data: { i: 7 } });

    const result = await verify();
    expect(result).toMatchObject({ valid: true });
    if (result.valid) expect(result.entries).toBeGreaterThanOrEqual(Math.max(...appended.map((e) => e.seq)));
  });

  it('audits events no commit announced (a crash) exactly once, with two auditors racing over several batches', async () => {
    const contractId = randomUUID();
    const count = AUDIT_BATCH + 150;
    // Committed straight into the outbox, as a process that died before telling its auditor would leave them.
    await db.query(
      `INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, correlation_id, causation_id, occurred_at)
       SELECT gen_random_uuid(), 'ContractExpired', 'contract', $1, jsonb_build_object('at', now(), 'i', i),
              'test', 'test', now()
         FROM generate_series(1, $2) AS i`,
      [contractId, count],
    );
    const auditor = target.app.get(DomainEventAuditor);
    // A second auditor on another pool, as another process would have.
    const rival = new DomainEventAuditor(
      db,
      target.app.get<AppConfig>(APP_CONFIG),
      target.app.get(OutboxRelay),
      target.app.get(Sweeper),
    );
    await Promise.all([auditor.catchUp(0), rival.catchUp(0), rival.auditBatch(), auditor.auditBatch()]);

    const perEvent: { n: string }[] = await db.query(
      `SELECT count(*) AS n FROM audit_log WHERE subject = $1 GROUP BY data->>'eventId'`,
      [`contract:${contractId}`],
    );
    expect(perEvent).toHaveLength(count);
    expect(perEvent.every((row) => row.n === '1')).toBe(true);
    const [{ left }]: { left: string }[] = await db.query(
      `SELECT count(*) AS left FROM outbox WHERE aggregate_id = $1 AND audited_at IS NULL`,
      [contractId],
    );
    expect(left).toBe('0');
    const entries = await entriesOf(`contract:${contractId}`);
    expect(entries[0]).toMatchObject({ actor: 'system', action: 'ContractExpired', data: { causationId: 'test' } });
    expect(await verify()).toMatchObject({ valid: true });
  });

  it('pages through a subject with a cursor, and refuses a cursor it did not issue', async () => {
    const subject = `test:${randomUUID()}`;
    for (let i = 0; i < 3; i += 1) {
      await appDb.transaction((em) => AuditLog.append(em, { actor: 'system', action: 'Paged', subject, data: { i } }));
    }
    const path = `/api/v1/audit-log?subject=${encodeURIComponent(subject)}&limit=2`;
    const first = await api<Page<Entry>>(target.url, 'GET', path);
    expect(first.body.items.map((e) => e.data.i)).toEqual([0, 1]);
    const second = await api<Page<Entry>>(target.url, 'GET', `${path}&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [{ data: { i: 2 } }], nextCursor: null });
    const bad = await api<{ code: string }>(target.url, 'GET', `/api/v1/audit-log?cursor=nope`);
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'REQUEST.INVALID' });
  });

  it('records every domain event of a real flow once, personal data kept out of the chain; erasing it keeps the chain valid', async () => {
    const party = await registerParty(target.url, { signers: 2, sandbox });
    for (const payload of signingHistory(party)) {
      expect((await postWebhook(target.url, signedDelivery(payload))).status).toBe(200);
    }
    await waitForStatus(target.url, `/api/v1/customers/${party.customerId}`, 'active');
    const outbox: { id: string; type: string; aggregate_id: string }[] = await db.query(
      `SELECT id, type, aggregate_id FROM outbox WHERE aggregate_id IN ($1, $2)`,
      [party.contractId, party.customerId],
    );
    expect(outbox.map((o) => o.type)).toEqual(
      expect.arrayContaining(['ContractRegistered', 'SignerSigned', 'ContractSigned', 'ContractActivated']),
    );
    const contractSubject = `contract:${party.contractId}`;
    const contractEntries = await eventually(
      async () => {
        const items = await entriesOf(contractSubject);
        return items.length >= outbox.filter((o) => o.aggregate_id === party.contractId).length ? items : undefined;
      },
      { what: 'an audit entry for each contract event' },
    );
    const customerEntries = await eventually(async () => {
      const items = await entriesOf(`customer:${party.customerId}`);
      return items.length > 0 ? items : undefined;
    });

    // Exactly one entry per domain event, whose action is the event's type.
    const all = [...contractEntries, ...customerEntries];
    expect(all.map((e) => e.data.eventId).sort()).toEqual(outbox.map((o) => o.id).sort());
    for (const entry of all) {
      expect(entry.action).toBe(outbox.find((o) => o.id === entry.data.eventId)?.type);
    }
    expect(customerEntries).toEqual([expect.objectContaining({ action: 'CustomerActivated', actor: 'system' })]);

    // Provider-caused events name the provider; registration (an API call) is the system's.
    const signed = contractEntries.filter((e) => e.action === 'SignerSigned');
    expect(signed).toHaveLength(2);
    expect(signed.every((e) => e.actor === 'provider:sandbox')).toBe(true);
    expect(contractEntries.find((e) => e.action === 'ContractRegistered')?.actor).toBe('system');

    // No e-mail address anywhere in what is hashed; a salted digest of it instead.
    expect(JSON.stringify(all)).not.toContain('@');
    const ref = signed[0].data.personal!;
    const [row]: { data: { email: string }; salt: string; subject: string }[] = await db.query(
      `SELECT data, salt, subject FROM audit_personal_data WHERE id = $1`,
      [ref.ref],
    );
    expect(party.signers.map((s) => s.email)).toContain(row.data.email);
    expect(row.subject).toBe(contractSubject);
    expect(ref.sha256).toBe(sha256(`${row.salt}${canonicalJson(row.data)}`));
    expect(signed[0].data).toMatchObject({ payload: { level: 'advanced' } });

    expect(await verify()).toMatchObject({ valid: true });
    // Erasure (retention, GDPR art. 17), as the app: the personal data goes, the chain still verifies.
    expect(await appDb.transaction((em) => AuditLog.erasePersonalData(em, ref.ref))).toBe(true);
    expect(await db.query(`SELECT 1 FROM audit_personal_data WHERE id = $1`, [ref.ref])).toHaveLength(0);
    expect(await verify()).toMatchObject({ valid: true });
    expect((await entriesOf(contractSubject)).find((e) => e.seq === signed[0].seq)).toEqual(signed[0]);
  });

  it('retention: each sweep erases the personal data that is due, oldest first, and the chain still verifies', async () => {
    const subject = `contract:${randomUUID()}`;
    const day = 86_400_000;
    const append = (name: string, eraseAfter?: Date) =>
      appDb.transaction((em) =>
        AuditLog.append(em, {
          actor: 'system',
          action: 'RetentionTested',
          subject,
          data: { name },
          personal: { email: `${name}@example.test` },
          ...(eraseAfter ? { personalEraseAfter: eraseAfter } : {}),
        }),
      );
    const due = await append('due', new Date(Date.now() - day));
    const later = await append('later', new Date(Date.now() + 30 * day));
    const kept = await append('kept');
    const refOf = (entry: { data: Record<string, unknown> }) => (entry.data.personal as { ref: string }).ref;
    const remaining = async () =>
      (
        (await db.query(`SELECT id FROM audit_personal_data WHERE id = ANY ($1::uuid[])`, [
          [due, later, kept].map(refOf),
        ])) as { id: string }[]
      ).map((r) => r.id);

    // The sweeper's pass, as every instance runs it (the one holding its lock sweeps).
    await eventually(async () => ((await target.app.get(Sweeper).sweepOnce()) ? true : undefined), {
      what: 'a sweep pass',
    });
    expect((await remaining()).sort()).toEqual([refOf(later), refOf(kept)].sort());
    expect(await verify()).toMatchObject({ valid: true });
    // The entry itself is untouched: its chained data still names the erased personal data by ref and digest.
    expect((await entriesOf(subject)).map((e) => e.data.name)).toEqual(['due', 'later', 'kept']);
  });

  it('retention: with AUDIT_PERSONAL_DATA_RETENTION_DAYS set, personal data is due that many days after its event', () => {
    const event = {
      id: randomUUID(),
      type: 'SignerSigned',
      aggregateType: 'contract',
      aggregateId: randomUUID(),
      data: { email: 'ana@example.test', name: 'Ana', level: 'advanced' },
      correlationId: 'c',
      causationId: 'c',
      occurredAt: '2026-03-01T10:00:00.000Z',
    } as unknown as Parameters<typeof auditAppendOf>[0];
    expect(auditAppendOf(event, 'sandbox', 30).personalEraseAfter?.toISOString()).toBe('2026-03-31T10:00:00.000Z');
    expect(auditAppendOf(event, 'sandbox').personalEraseAfter).toBeUndefined();
  });

  it('records an inbound-event replay with the API key that asked for it', async () => {
    const party = await registerParty(target.url, { signers: 1 });
    const res = await postWebhook(target.url, signedDelivery(signingHistory(party)[0]));
    const { id } = (await res.json()) as { id: string };
    const replay = await api(target.url, 'POST', `/api/v1/inbound-events/${id}/replay`);
    expect(replay.status).toBe(202);
    const [key]: { id: string }[] = await db.query(`SELECT id FROM api_keys WHERE key_hash = $1`, [
      hashApiKey(TEST_ADMIN_KEY),
    ]);
    const entries = await entriesOf(`inbound-event:${id}`);
    expect(entries).toEqual([
      expect.objectContaining({
        actor: `api-key:${key.id}`,
        action: 'InboundEventReplayed',
        data: expect.objectContaining({ provider: 'sandbox', providerEventId: expect.any(String) }),
      }),
    ]);
  });

  it('detects a changed entry by its seq (tampered and restored inside one transaction)', async () => {
    const [entry] = await appDb.transaction(async (em) => [
      await AuditLog.append(em, {
        actor: 'system',
        action: 'ToTamper',
        subject: `test:${randomUUID()}`,
        data: { n: 1 },
      }),
    ]);
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      // The superuser's bypass: no trigger fires in this transaction. Rolled back, so nothing else sees it.
      await runner.query(`SET LOCAL session_replication_role = replica`);
      await runner.query(`UPDATE audit_log SET data = '{"n": 2}' WHERE seq = $1`, [entry.seq]);
      const result = await verifyAuditChain(runner.manager);
      expect(result).toEqual({
        valid: false,
        entriesChecked: entry.seq - 1,
        brokenAt: { seq: entry.seq, reason: 'hash_mismatch', expected: expect.any(String), actual: entry.hash },
      });
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await verify()).toMatchObject({ valid: true });
  });

  it('refuses UPDATE and DELETE of audit_log to the app role, and to the owner while the trigger is on', async () => {
    const entry = await appDb.transaction((em) =>
      AuditLog.append(em, { actor: 'system', action: 'Immutable', subject: `test:${randomUUID()}` }),
    );
    await expect(appDb.query(`UPDATE audit_log SET actor = 'x' WHERE seq = $1`, [entry.seq])).rejects.toThrow(
      /permission denied/,
    );
    await expect(appDb.query(`DELETE FROM audit_log WHERE seq = $1`, [entry.seq])).rejects.toThrow(/permission denied/);
    await expect(appDb.query(`TRUNCATE audit_log`)).rejects.toThrow(/permission denied/);
    // The app role cannot switch the triggers off either: only the owner may alter the table.
    await expect(appDb.query(`ALTER TABLE audit_log DISABLE TRIGGER ALL`)).rejects.toThrow(/must be owner/);
    // The same statements as the app role, from the test's connection.
    await expect(
      db.transaction(async (em) => {
        await em.query(`SET LOCAL ROLE signbridge_app`);
        await em.query(`UPDATE audit_log SET actor = 'x' WHERE seq = $1`, [entry.seq]);
      }),
    ).rejects.toThrow(/permission denied/);

    await expect(db.query(`UPDATE audit_log SET actor = 'x' WHERE seq = $1`, [entry.seq])).rejects.toThrow(
      /UPDATE on audit_log is not allowed/,
    );
    await expect(db.query(`DELETE FROM audit_log WHERE seq = $1`, [entry.seq])).rejects.toThrow(
      /DELETE on audit_log is not allowed/,
    );
    const [after]: { actor: string }[] = await db.query(`SELECT actor FROM audit_log WHERE seq = $1`, [entry.seq]);
    expect(after.actor).toBe('system');
  });

  it('inbound_events: what was received never changes and rows are never deleted; the status moves', async () => {
    const party = await registerParty(target.url, { signers: 1 });
    const res = await postWebhook(target.url, signedDelivery(signingHistory(party)[0]));
    const { id } = (await res.json()) as { id: string };
    for (const change of [
      `raw_body = 'forged'::bytea`,
      `headers = '{}'::jsonb`,
      `provider = 'docusign'`,
      `provider_event_id = 'other'`,
    ]) {
      await expect(db.query(`UPDATE inbound_events SET ${change} WHERE id = $1`, [id])).rejects.toThrow(
        /never changes/,
      );
    }
    await expect(appDb.query(`DELETE FROM inbound_events WHERE id = $1`, [id])).rejects.toThrow(
      /DELETE on inbound_events is not allowed/,
    );
    await expect(db.query(`DELETE FROM inbound_events WHERE id = $1`, [id])).rejects.toThrow(/not allowed/);
    await waitForStatus(target.url, `/api/v1/inbound-events/${id}`, 'processed');
    // As the app role: a status-side update goes through (the trigger only guards what was received).
    await appDb.query(`UPDATE inbound_events SET last_error = 'checked', attempts = attempts WHERE id = $1`, [id]);
    const [row]: { last_error: string; provider: string }[] = await db.query(
      `SELECT last_error, provider FROM inbound_events WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ last_error: 'checked', provider: 'sandbox' });
  });

  describe('in a database of its own (the owner tampers for real)', () => {
    let database: OwnDatabase;
    let own: TestApp;
    let owner: DataSource;

    beforeAll(async () => {
      database = await createOwnDatabase('audit_tamper');
      owner = database.owner;
      own = await startTestApp({ env: { DATABASE_URL: database.url } });
    });
    afterAll(async () => {
      await own?.close();
      await database?.drop();
    });

    it('an empty log verifies; a changed entry, a re-hashed one and a missing one are each named by seq', async () => {
      expect(await verify(own.url)).toEqual({ valid: true, entries: 0, head: null });
      const appDataSource = own.app.get(DataSource);
      const entries = [];
      for (let i = 1; i <= 5; i += 1) {
        entries.push(
          await appDataSource.transaction((em) =>
            AuditLog.append(em, { actor: 'system', action: 'Step', subject: 'test:own', data: { i } }),
          ),
        );
      }
      expect(entries[0].prevHash).toBe(GENESIS_HASH);
      expect(await verify(own.url)).toEqual({
        valid: true,
        entries: 5,
        head: { seq: 5, hash: entries[4].hash },
      });

      // The owner disables the trigger, changes entry 3, and switches the trigger back on.
      const tamper = async (sql: string) =>
        owner.transaction(async (em) => {
          await em.query(`ALTER TABLE audit_log DISABLE TRIGGER ALL`);
          await em.query(sql);
          await em.query(`ALTER TABLE audit_log ENABLE TRIGGER ALL`);
        });
      await tamper(`UPDATE audit_log SET data = '{"i": 30}' WHERE seq = 3`);
      const changed = await verify(own.url);
      expect(changed).toMatchObject({
        valid: false,
        entriesChecked: 2,
        brokenAt: { seq: 3, reason: 'hash_mismatch', actual: entries[2].hash },
      });
      expect(!changed.valid && changed.brokenAt.expected).not.toBe(entries[2].hash);

      // Re-hashing the changed entry moves the break to the next link.
      const { expected } = (changed as Extract<ChainVerification, { valid: false }>).brokenAt;
      await tamper(`UPDATE audit_log SET hash = '${expected}' WHERE seq = 3`);
      expect(await verify(own.url)).toEqual({
        valid: false,
        entriesChecked: 3,
        brokenAt: { seq: 4, reason: 'prev_hash_mismatch', expected, actual: entries[2].hash },
      });

      await tamper(`DELETE FROM audit_log WHERE seq IN (3, 4)`);
      expect(await verify(own.url)).toEqual({
        valid: false,
        entriesChecked: 2,
        brokenAt: { seq: 5, reason: 'seq_gap', expected: '3', actual: '5' },
      });
      // TRUNCATE has a trigger of its own (DELETE triggers do not fire for it).
      await expect(owner.query(`TRUNCATE audit_log`)).rejects.toThrow(/TRUNCATE on audit_log is not allowed/);
      await expect(owner.query(`TRUNCATE inbound_events`)).rejects.toThrow(/TRUNCATE on inbound_events/);
    });
  });
});
