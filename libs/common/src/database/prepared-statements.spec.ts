import { StatementNames } from './prepared-statements';

describe('StatementNames', () => {
  it('gives one text one stable name and different texts different names', () => {
    const names = new StatementNames();
    const a = names.nameFor('SELECT $1::int');
    expect(a).toMatch(/^sb_[0-9a-f]{32}$/);
    expect(names.nameFor('SELECT $1::int')).toBe(a);
    expect(names.nameFor('SELECT $1::text')).not.toBe(a);
    // The name depends on the text alone: another process names the same statement the same way.
    expect(new StatementNames().nameFor('SELECT $1::int')).toBe(a);
  });

  it('names no new text past its capacity, and keeps naming the texts it already has', () => {
    const names = new StatementNames(2);
    const first = names.nameFor('SELECT 1 WHERE $1');
    names.nameFor('SELECT 2 WHERE $1');
    expect(names.nameFor('SELECT 3 WHERE $1')).toBeUndefined();
    expect(names.nameFor('SELECT 1 WHERE $1')).toBe(first);
  });
});
