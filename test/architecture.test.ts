import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/* The arrows between feature modules (src/modules/<feature>/), read from their imports. Tests excluded. */
const MODULES = fileURLToPath(new URL('../src/modules/', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/', import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function sourcesOf(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourcesOf(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

/** feature -> the features it imports, and through which file. */
function importGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>();
  for (const feature of fs.readdirSync(MODULES)) {
    const arrows = new Map<string, string>();
    for (const file of sourcesOf(path.join(MODULES, feature))) {
      for (const [, from, dynamic] of fs.readFileSync(file, 'utf8').matchAll(IMPORT)) {
        const specifier = from ?? dynamic!;
        if (!specifier.startsWith('.')) continue;
        const [target] = path.relative(MODULES, path.resolve(path.dirname(file), specifier)).split(path.sep);
        if (target && target !== feature && !target.startsWith('..')) arrows.set(target, path.relative(MODULES, file));
      }
    }
    graph.set(feature, arrows);
  }
  return graph;
}

describe('the feature modules', () => {
  const graph = importGraph();

  it('never import profiles from apps: apps own their composition and routes, profiles build on them', () => {
    expect(graph.get('apps')?.get('profiles')).toBeUndefined();
    expect(graph.get('profiles')?.has('apps')).toBe(true);
  });

  it('import each other without a cycle', () => {
    const cycles: string[] = [];
    const visit = (feature: string, trail: string[]) => {
      if (trail.includes(feature)) return void cycles.push([...trail.slice(trail.indexOf(feature)), feature].join(' -> '));
      for (const next of graph.get(feature)?.keys() ?? []) visit(next, [...trail, feature]);
    };
    for (const feature of graph.keys()) visit(feature, []);
    expect(cycles).toEqual([]);
  });
});

describe('route files', () => {
  it("import no other route file: what they share lives in the feature's schemas.ts (only routes.ts registers them)", () => {
    const shared = sourcesOf(MODULES)
      .filter((file) => file.endsWith('-routes.ts'))
      .flatMap((file) =>
        [...fs.readFileSync(file, 'utf8').matchAll(IMPORT)]
          .map(([, from]) => from ?? '')
          .filter((from) => from.endsWith('routes.js'))
          .map((from) => `${path.relative(MODULES, file)} imports ${from}`),
      );
    expect(shared).toEqual([]);
  });
});

describe('the command line', () => {
  it('takes its services from the composition root (src/services.ts) through cli/services.ts, building none itself', () => {
    const built = sourcesOf(CLI).flatMap((file) =>
      [...fs.readFileSync(file, 'utf8').matchAll(/new ([A-Z]\w*(?:Repository|Service|Log))\(/g)].map(
        ([, name]) => `${path.basename(file)}: ${name}`,
      ),
    );
    expect(built).toEqual([]);
    const composing = sourcesOf(CLI).filter((file) => fs.readFileSync(file, 'utf8').includes('createServices('));
    expect(composing.map((file) => path.basename(file))).toEqual(['services.ts']);
  });
});
