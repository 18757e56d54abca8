import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DomainEventAuditor } from '@app/archive';
import { OutboxRelay } from '@app/event-bus';
import { WebhookFanout } from '@app/erp-notifications';
import { eventually, startTestApp, type TestApp } from '../support/test-app';
import { createOwnDatabase, type OwnDatabase } from '../support/test-db';

type Mark = 'dispatched_at' | 'audited_at' | 'erp_fanout_at';

/**
 * Every statement that writes outbox rows after their insert (the dispatched marks, the audit log's, the ERP
 * fan-out's) locks them in id order, so two that share rows wait for each other instead of deadlocking. Under
 * load the fan-out, which updated its rows in the order of its join, deadlocked with the other two a few times
 * per thousand contracts.
 *
 * The check: three rows low < middle < high, inserted and timestamped high first (so neither the table's nor the
 * time order is the id order). Another transaction holds the middle row; the writer, started, must then be
 * waiting for it holding the low row and not the high one. In a database of its own, so that no other file's
 * rows are due.
 */
describe('outbox rows are locked in id order by every writer', () => {
  let database: OwnDatabase;
  let target: TestApp;
  let holder: Client;
  let prober: Client;

  beforeAll(async () => {
    database = await createOwnDatabase('outbox_locks');
    target = await startTestApp({ env: { DATABASE_URL: database.url } });
    holder = new Client({ connectionString: database.url });
    prober = new Client({ connectionString: database.url });
    await holder.connect();
    await prober.connect();
  });
  afterAll(async () => {
    await holder?.end();
    await prober?.end();
    await target?.close();
    await database?.drop();
  });

  /** Three rows with ids in the order low < middle < high, written high first with the earliest time. */
  async function threeRows(): Promise<{ low: string; middle: string; high: string }> {
    const ids = [randomUUID(), randomUUID(), randomUUID()].sort();
    const [low, middle, high] = ids;
    for (const [id, secondsAgo] of [
      [high, 3],
      [middle, 2],
      [low, 1],
    ] as const) {
      await database.owner.query(
        `INSERT INTO outbox (id, type, aggregate_type, aggregate_id, payload, correlation_id, causation_id,
                             occurred_at, created_at)
         VALUES ($1, 'ContractOpened', 'contract', $2, '{}', 'test', 'test', now(), now() - make_interval(secs => $3))`,
        [id, randomUUID(), secondsAgo],
      );
    }
    return { low, middle, high };
  }

  /** Of `ids`, those some transaction holds a row lock on. */
  async function lockedAmong(ids: string[]): Promise<string[]> {
    await prober.query('BEGIN');
    try {
      const free = await prober.query<{ id: string }>(
        `SELECT id FROM outbox WHERE id = ANY($1::uuid[]) FOR NO KEY UPDATE SKIP LOCKED`,
        [ids],
      );
      const freeIds = new Set(free.rows.map((r) => r.id));
      return ids.filter((id) => !freeIds.has(id));
    } finally {
      await prober.query('ROLLBACK');
    }
  }

  /**
   * Starts `write` while `middle` is held; once the statement that sets `mark` waits for it (not merely some other
   * writer the call woke), returns which of low and high were held.
   */
  async function heldWhileWaiting(
    rows: { low: string; middle: string; high: string },
    mark: Mark,
    write: () => Promise<unknown>,
  ): Promise<{ lowHeld: boolean; highHeld: boolean; written: Promise<unknown> }> {
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM outbox WHERE id = $1 FOR NO KEY UPDATE`, [rows.middle]);
    const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const written = write();
    written.catch(() => undefined);
    try {
      await eventually(
        async () => {
          const waiting = await prober.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_stat_activity
              WHERE $1 = ANY (pg_blocking_pids(pid)) AND query LIKE '%' || $2 || ' = now()%'`,
            [holderPid, mark],
          );
          return waiting.rows[0].n > 0 ? true : undefined;
        },
        { what: `the statement setting ${mark} waiting for the middle row` },
      );
      const held = await lockedAmong([rows.low, rows.high]);
      return { lowHeld: held.includes(rows.low), highHeld: held.includes(rows.high), written };
    } finally {
      await holder.query('COMMIT');
    }
  }

  async function marked(ids: string[], mark: Mark): Promise<number> {
    const [row] = await database.owner.query(
      `SELECT count(*)::int AS n FROM outbox WHERE id = ANY($1::uuid[]) AND ${mark} IS NOT NULL`,
      [ids],
    );
    return (row as { n: number }).n;
  }

  const writers: [string, Mark, (ids: string[]) => Promise<unknown>][] = [
    ['the ERP fan-out', 'erp_fanout_at', () => target.app.get(WebhookFanout).fanOutBatch()],
    ['the audit log', 'audited_at', () => target.app.get(DomainEventAuditor).auditBatch()],
    // Written after the dispatch returns: the marks linger for others to share their statement.
    [
      'the dispatched marks',
      'dispatched_at',
      (ids) => target.app.get(OutboxRelay).dispatch(ids.map((id) => ({ id, type: 'ContractOpened' }))),
    ],
  ];

  it.each(writers)('%s', async (_writer, mark, write) => {
    const rows = await threeRows();
    const ids = Object.values(rows);
    const { lowHeld, highHeld, written } = await heldWhileWaiting(rows, mark, () => write(ids));
    await written;
    expect({ lowHeld, highHeld }).toEqual({ lowHeld: true, highHeld: false });
    await eventually(async () => ((await marked(ids, mark)) === 3 ? true : undefined), {
      what: `the three rows' ${mark}`,
    });
  });
});
