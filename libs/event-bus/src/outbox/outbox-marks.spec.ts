import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../../../..');

/** Every `.ts` file under a folder, specs and migrations excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

describe('writes to outbox rows', () => {
  // Two writers that lock shared rows in different orders deadlock (the ERP fan-out and the marks did, under
  // load). So a file that updates outbox rows must lock them through OUTBOX_ROW_LOCK, as markOutboxRows does; the
  // order itself is checked against PostgreSQL in test/integration/outbox-lock-order.int-spec.ts.
  it('every UPDATE of outbox rows, in every lib and app, is in a file that locks them in that order', () => {
    const writers = [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'apps'))].filter((file) =>
      /UPDATE\s+outbox\b/i.test(readFileSync(file, 'utf8')),
    );
    expect(writers.length).toBeGreaterThanOrEqual(2);
    const unordered = writers.filter((file) => !readFileSync(file, 'utf8').includes('OUTBOX_ROW_LOCK'));
    expect(unordered.map((file) => relative(ROOT, file))).toEqual([]);
  });
});
