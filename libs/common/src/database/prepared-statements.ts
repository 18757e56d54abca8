import { createHash } from 'node:crypto';
import { Client } from 'pg';

/**
 * How many distinct statement texts get a name. Every connection keeps each statement it prepared (and its
 * plan) until it closes, so the names are capped: the app's own statements are a few hundred at most, and a
 * text built at run time (a list with its filters, say) beyond the cap still runs, unnamed, as before.
 */
export const MAX_PREPARED_STATEMENTS = 400;

/**
 * Names parameterised statements by their text, so that each connection parses and plans a statement once and
 * afterwards only binds and runs it. On this project's hot path PostgreSQL spent about a third of its CPU
 * parsing and planning the same few dozen statements (BENCHMARKS.md). Statements without parameters (`BEGIN`,
 * `COMMIT`, DDL) go through the simple protocol untouched.
 */
export class StatementNames {
  private readonly names = new Map<string, string>();

  constructor(private readonly capacity = MAX_PREPARED_STATEMENTS) {}

  /** The name for `text`, or undefined once the cap is reached for a text not seen before. */
  nameFor(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined || this.names.size >= this.capacity) return known;
    const name = `sb_${createHash('sha256').update(text).digest('hex').slice(0, 32)}`;
    this.names.set(text, name);
    return name;
  }
}

const plainQuery = Client.prototype.query;

/**
 * Builds a `pg.Client` class for a pool's `Client` option (TypeORM passes `extra` through to the pool) whose
 * `query(text, values)` runs as the named prepared statement of `names`. Everything else is pg's own: the
 * driver parses a name on a connection the first time and then only binds it; a failed parse is retried.
 */
export function preparingClient(names = new StatementNames()): typeof Client {
  class PreparingClient extends Client {}
  PreparingClient.prototype.query = function (this: Client, ...args: unknown[]): unknown {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = names.nameFor(text);
      if (name !== undefined) args[0] = { name, text };
    }
    return Reflect.apply(plainQuery, this, args);
  } as Client['query'];
  return PreparingClient;
}
