import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { RequestInvalidError, type FieldProblem } from '../errors/app-error';

/**
 * SignBridge's own request bodies nest four levels (a contract's billing lines); a provisioning action's `params` is
 * free-form JSON, which this leaves about 30 levels. Far below what would exhaust the validator's stack.
 */
export const MAX_INPUT_DEPTH = 32;

/** A UTF-16 surrogate without its pair: JSON can carry one (`"\ud800"`), no UTF-8 text can. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL's text or jsonb could not hold this string, or undefined. */
export function unstorableText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'the NUL character';
  if (LONE_SURROGATE.test(value)) return 'a lone UTF-16 surrogate';
  return undefined;
}

/**
 * What SignBridge refuses in a request's JSON before validating it, or undefined: nesting deeper than `maxDepth`
 * (validation recurses once per level, so a body nested thousands deep would exhaust the stack: a 500), and, in a
 * key or a string, the NUL character or a lone surrogate (PostgreSQL's jsonb cannot hold them: a 500 at the first
 * insert), and a `__proto__` key. Iterative, so the check itself cannot exhaust the stack. Buffers (uploaded files)
 * are not looked into.
 */
export function untrustedInputProblem(value: unknown, maxDepth = MAX_INPUT_DEPTH): FieldProblem | undefined {
  const stack: { value: unknown; path: string; depth: number }[] = [{ value, path: '', depth: 0 }];
  while (stack.length > 0) {
    const { value: current, path, depth } = stack.pop() as { value: unknown; path: string; depth: number };
    if (typeof current === 'string') {
      const unstorable = unstorableText(current);
      if (unstorable) return { field: path || 'body', problem: `must not contain ${unstorable}` };
      continue;
    }
    if (typeof current !== 'object' || current === null || Buffer.isBuffer(current)) continue;
    if (depth >= maxDepth) return { field: path || 'body', problem: `nests deeper than ${maxDepth} levels` };
    const entries = Array.isArray(current)
      ? current.map((item, i) => [String(i), item] as const)
      : Object.entries(current);
    for (const [key, item] of entries) {
      const field = path ? `${path}.${key}` : key;
      const unstorable = unstorableText(key);
      if (unstorable) return { field: path || 'body', problem: `has a key with ${unstorable}` };
      // What Fastify's JSON parser refuses; a multipart field's JSON reaches here without that parser.
      if (key === '__proto__') return { field: path || 'body', problem: 'has a __proto__ key' };
      stack.push({ value: item, path: field, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Runs before validation on every body, query and route parameter: a refused input is a 400 naming the field,
 * never a 500 from the validator's recursion or from PostgreSQL.
 */
@Injectable()
export class UntrustedInputPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problem = untrustedInputProblem(value);
    if (problem) throw RequestInvalidError.forField(problem.field, problem.problem);
    return value;
  }
}
