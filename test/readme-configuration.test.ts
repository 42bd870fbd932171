import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

/*
 * An operator learns what can be set from the README's configuration table: every variable
 * src/config.ts reads must be in it, and nothing it lists may be a variable nobody reads.
 */
function variablesReadByConfig(): string[] {
  const source = fs.readFileSync('src/config.ts', 'utf8');
  // Names are passed as string literals (read('PORT'), integer(env, 'SENTINEL_...')) or read as env.NAME.
  // Algorithm names (HS256, ES256) are values, not variables.
  const literals = [...source.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*)'/g)]
    .map((match) => match[1]!)
    .filter((name) => !/^[A-Z]+\d+$/.test(name));
  const properties = [...source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]!);
  return [...new Set([...literals, ...properties])].sort();
}

function variablesInReadmeTable(): string[] {
  const readme = fs.readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('\n## Configuration\n'));
  const table = section.slice(0, section.indexOf('\n## ', 1));
  return [...table.matchAll(/^\| `([A-Z][A-Z0-9_]*)`/gm)].map((match) => match[1]!).sort();
}

describe('README configuration table', () => {
  it('lists exactly the environment variables src/config.ts reads, each once', () => {
    const readByConfig = variablesReadByConfig();
    const documented = variablesInReadmeTable();
    // The parsing itself must have found the table and the variables.
    expect(readByConfig).toContain('SENTINEL_TRUST_PROXY');
    expect(readByConfig).toContain('UV_THREADPOOL_SIZE');
    expect(documented.length).toBeGreaterThan(30);

    expect(
      readByConfig.filter((name) => !documented.includes(name)),
      'read by src/config.ts, missing from the README',
    ).toEqual([]);
    expect(
      documented.filter((name) => !readByConfig.includes(name)),
      'in the README, read by nobody',
    ).toEqual([]);
    expect(
      documented.filter((name, i) => documented.indexOf(name) !== i),
      'listed twice',
    ).toEqual([]);
  });
});
