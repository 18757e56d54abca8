/** The text of one SQL statement and its parameters, numbered from `$1`. */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

const PLACEHOLDER = /\$(\d+)/g;

/**
 * Several writes sent as one statement, so they cost one round trip instead of one each: every named part
 * becomes a data-modifying CTE (`WITH name AS (…)`), `main` is the statement they are attached to (by default
 * one that only answers `done`), and each
 * part's `$n` placeholders are renumbered after the parts before it. A part left `undefined` is left out.
 *
 * PostgreSQL runs every part exactly once, whether or not `main` reads it, and all of them on one snapshot:
 * a part cannot see another part's rows except through that part's `RETURNING`, read by its name. So only
 * writes that do not depend on each other, or that depend on each other only through `RETURNING`, go together.
 * A part's name hides a table of that name from the parts after it and from `main`: name parts apart from tables.
 */
export function oneStatement(
  parts: Record<string, SqlStatement | undefined>,
  main: SqlStatement = { text: 'SELECT 1 AS done', values: [] },
): SqlStatement {
  const values: unknown[] = [];
  const shift = (statement: SqlStatement): string => {
    const offset = values.length;
    const shifted = renumbered(statement, offset);
    values.push(...statement.values);
    return shifted;
  };
  const ctes = Object.entries(parts)
    .filter((entry): entry is [string, SqlStatement] => entry[1] !== undefined)
    .map(([name, part]) => {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`oneStatement: "${name}" is not a plain SQL name`);
      return `${name} AS (${shift(part)})`;
    });
  const text = shift(main);
  return { text: ctes.length > 0 ? `WITH ${ctes.join(',\n')}\n${text}` : text, values };
}

/**
 * The texts are few (one per call site and shape) and renumbered on every call of a hot path, so each text's
 * placeholders are checked once and each renumbering is kept.
 */
const RENUMBERED = new Map<string, { values: number; byOffset: Map<number, string> }>();
const MAX_TEXTS = 1000;

function renumbered(statement: SqlStatement, offset: number): string {
  let known = RENUMBERED.get(statement.text);
  if (!known || known.values !== statement.values.length) {
    for (const match of statement.text.matchAll(PLACEHOLDER)) {
      const n = Number(match[1]);
      if (n < 1 || n > statement.values.length) {
        throw new Error(`oneStatement: $${n} has no value (the part has ${statement.values.length})`);
      }
    }
    known = { values: statement.values.length, byOffset: new Map() };
    if (RENUMBERED.size < MAX_TEXTS) RENUMBERED.set(statement.text, known);
  }
  let text = known.byOffset.get(offset);
  if (text === undefined) {
    text = statement.text.replace(PLACEHOLDER, (_, n: string) => `$${Number(n) + offset}`);
    known.byOffset.set(offset, text);
  }
  return text;
}
