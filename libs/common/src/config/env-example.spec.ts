import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

/** Every `.ts` file under a folder, specs excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** The variables the configuration reads by name: `read.int('PORT', …)` and the like, in every lib and app. */
function variablesRead(): string[] {
  const names = new Set<string>();
  for (const file of [...sources(join(ROOT, 'libs')), ...sources(join(ROOT, 'apps'))]) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bread\.[a-zA-Z]+\(\s*'([A-Z][A-Z0-9_]*)'/g)) {
      names.add(match[1]);
    }
  }
  return [...names].sort();
}

describe('.env.example', () => {
  it('documents every variable the configuration reads', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    const read = variablesRead();
    expect(read.length).toBeGreaterThan(50);
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });
});
