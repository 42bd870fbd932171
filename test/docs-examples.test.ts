import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractExamples, type Example } from '../scripts/docs-examples/blocks.js';
import { outputFailures, outputsByExample, shellScript } from '../scripts/docs-examples/script.js';

/*
 * The parts of `npm run docs:examples` that decide what runs and what counts as a failure.
 * (The run itself, against a server, is a CI step: .ci/run.)
 */
const page = [
  '# Page',
  '',
  '<!-- not-run: needs a second machine -->',
  '',
  '```bash',
  'ssh elsewhere',
  '```',
  '',
  '```json',
  '{"not": "a shell example"}',
  '```',
  '',
  '1. In a list:',
  '',
  '   ```sh',
  '   TOKEN=$(curl -s http://localhost:3000/auth/login)',
  '   ```',
  '',
  '   <!-- expect: "token" -->',
  '',
  '   <!-- expect-problem: invalid_token -->',
  '',
  'Text.',
  '',
  '```console',
  '$ sentinel audit tail',
  '```',
].join('\n');

describe('docs examples: extraction', () => {
  it('takes shell blocks only, with their marks, unindented, and the line they start on', () => {
    const examples = extractExamples('page.md', page);
    expect(
      examples.map(({ line, code, notRun, expect: texts, expectProblems }) => ({ line, code, notRun, texts, expectProblems })),
    ).toEqual([
      { line: 5, code: 'ssh elsewhere', notRun: 'needs a second machine', texts: [], expectProblems: [] },
      {
        line: 15,
        code: 'TOKEN=$(curl -s http://localhost:3000/auth/login)',
        notRun: undefined,
        texts: ['"token"'],
        expectProblems: ['invalid_token'],
      },
      { line: 25, code: '$ sentinel audit tail', notRun: undefined, texts: [], expectProblems: [] },
    ]);
  });

  it('refuses a not-run mark without a reason, an unreadable expect mark and an unclosed block', () => {
    expect(() => extractExamples('p.md', '<!-- not-run -->\n```bash\nls\n```')).toThrow('p.md:2: <!-- not-run --> needs a reason');
    expect(() => extractExamples('p.md', '```bash\nls\n```\n<!-- expect-problem: Not A Code -->')).toThrow('p.md:1: cannot read');
    expect(() => extractExamples('p.md', 'text\n```bash\nls')).toThrow('p.md:2: the code block is never closed');
  });

  it('every README and docs page parses, and every skipped block says why', () => {
    const pages = [
      'README.md',
      ...fs
        .readdirSync('docs')
        .filter((name) => name.endsWith('.md'))
        .map((name) => `docs/${name}`),
    ];
    for (const file of pages) {
      for (const example of extractExamples(file, fs.readFileSync(file, 'utf8'))) {
        if (example.notRun !== undefined) expect(example.notRun.length, `${file}:${example.line}`).toBeGreaterThan(10);
      }
    }
  });
});

const example = (code: string, marks: Partial<Example> = {}): Example => ({
  file: 'p.md',
  line: 1,
  code,
  notRun: undefined,
  background: false,
  expect: [],
  expectProblems: [],
  ...marks,
});

/** Runs the script shellScript builds, as the runner does, and splits its output. */
function run(examples: Example[]): { code: number | null; outputs: Map<number, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-examples-test-'));
  try {
    fs.writeFileSync(path.join(dir, 'script.sh'), shellScript(examples, 4321));
    const result = spawnSync('bash', ['script.sh'], { cwd: dir, encoding: 'utf8' });
    return { code: result.status, outputs: outputsByExample(result.stdout + result.stderr) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('docs examples: the script and its checks', () => {
  it('runs the examples in one shell (variables carry over), on the given port, output split by example', () => {
    const { code, outputs } = run([example('A=1'), example('echo "$A http://localhost:3000/x 127.0.0.1:3000"'), example('echo done')]);
    expect(code).toBe(0);
    expect([...outputs.values()].map((text) => text.trim())).toEqual(['', '1 http://localhost:4321/x localhost:4321', 'done', '']);
  });

  it('runs a block marked background while the next ones go on, as a reader keeps a server running', () => {
    const blocks = extractExamples(
      'p.md',
      '<!-- background: a server -->\n```bash\nsleep 0.3; echo late > bg.txt\n```\n```bash\ntest ! -e bg.txt; echo first\n```',
    );
    expect(blocks.map((block) => block.background)).toEqual([true, false]);
    const { code, outputs } = run([...blocks, example('until [ -e bg.txt ]; do sleep 0.05; done; cat bg.txt')]);
    expect(code).toBe(0);
    expect(outputs.get(1)!.trim()).toBe('first');
    expect(outputs.get(2)!.trim()).toBe('late');
  });

  it("moves docs/integrating.md's own ports (3100, 3101) to the two after the given one", () => {
    const { outputs } = run([example('echo PORT=3100 http://127.0.0.1:3100 localhost:3101 PORT=31000')]);
    expect(outputs.get(0)!.trim()).toBe('PORT=4322 http://localhost:4322 localhost:4323 PORT=31000');
  });

  it('stops at the first failing command', () => {
    const { code, outputs } = run([example('echo one'), example('false\necho never'), example('echo never either')]);
    expect(code).toBe(1);
    expect(outputs.get(1)).not.toContain('never');
    expect(outputs.has(2)).toBe(false);
  });

  it('stops when a captured variable came out empty or undefined (a field the answer lacked)', () => {
    for (const code of ["TOKEN=$(node -p '({}).token')", 'TOKEN=$(printf "")']) {
      const result = run([example(code), example('echo never')]);
      expect(result.code).toBe(1);
      expect(result.outputs.get(0)).toContain('TOKEN is empty after this example');
    }
  });

  it('leaves server log lines out of the output', () => {
    const { outputs } = run([example('echo \'{"level":40,"msg":"urn:sentinel:problem:x"}\'\necho answer')]);
    expect(outputs.get(0)!.trim()).toBe('answer');
  });

  it('fails on a missing expected text, an unexpected problem, and a missing expected problem', () => {
    const problem = '{"type":"urn:sentinel:problem:invalid_token","status":401}';
    expect(outputFailures(example('x', { expect: ['"valid":true'] }), '{"valid":true}')).toEqual([]);
    expect(outputFailures(example('x', { expect: ['"valid":true'] }), '{"valid":false}')).toEqual([
      'expected the output to contain: "valid":true',
    ]);
    expect(outputFailures(example('x'), problem)).toEqual(['unexpected problem invalid_token']);
    expect(outputFailures(example('x', { expectProblems: ['invalid_token'] }), problem)).toEqual([]);
    expect(outputFailures(example('x', { expectProblems: ['invalid_token'] }), '{}')).toEqual(['expected the problem invalid_token']);
  });
});
