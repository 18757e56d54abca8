import { oneStatement } from './one-statement';

describe('oneStatement', () => {
  it('attaches the parts as CTEs and renumbers their placeholders after the parts before them', () => {
    const statement = oneStatement(
      {
        first: { text: 'UPDATE a SET x = $2 WHERE id = $1 RETURNING id', values: ['a1', 'x'] },
        skipped: undefined,
        second: { text: 'INSERT INTO b (id, y) VALUES ($1, $1), ($2, $10)', values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] },
      },
      { text: 'SELECT count(*) FROM first WHERE $1 > 0', values: [7] },
    );
    expect(statement.text).toBe(
      'WITH first AS (UPDATE a SET x = $2 WHERE id = $1 RETURNING id),\n' +
        'second AS (INSERT INTO b (id, y) VALUES ($3, $3), ($4, $12))\n' +
        'SELECT count(*) FROM first WHERE $13 > 0',
    );
    expect(statement.values).toEqual(['a1', 'x', 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 7]);
  });

  it('answers `done` when no main statement is given, and is the main statement alone without parts', () => {
    expect(oneStatement({ only: { text: 'DELETE FROM a WHERE id = $1', values: [1] } })).toEqual({
      text: 'WITH only AS (DELETE FROM a WHERE id = $1)\nSELECT 1 AS done',
      values: [1],
    });
    expect(oneStatement({ none: undefined }, { text: 'SELECT $1', values: [1] })).toEqual({
      text: 'SELECT $1',
      values: [1],
    });
  });

  it('renumbers a text seen before at another offset right, and checks it again with another number of values', () => {
    const part = { text: 'DELETE FROM c WHERE id = $1', values: ['c1'] };
    expect(oneStatement({ part }).text).toBe('WITH part AS (DELETE FROM c WHERE id = $1)\nSELECT 1 AS done');
    expect(oneStatement({ before: { text: 'SELECT $1, $2', values: [1, 2] }, part }).text).toBe(
      'WITH before AS (SELECT $1, $2),\npart AS (DELETE FROM c WHERE id = $3)\nSELECT 1 AS done',
    );
    expect(() => oneStatement({ part: { text: part.text, values: [] } })).toThrow('$1 has no value');
  });

  it('refuses a placeholder without a value and a part name that is not a plain SQL name', () => {
    expect(() => oneStatement({ a: { text: 'SELECT $2', values: [1] } })).toThrow('$2 has no value');
    expect(() => oneStatement({ 'a; DROP': { text: 'SELECT 1', values: [] } })).toThrow('not a plain SQL name');
  });
});
