import type { Example } from './blocks.js';

/** Printed before each example's output, so the output can be split by example afterwards. */
const MARK = '@@docs-example';
const PROBLEM = /urn:sentinel:problem:([a-z_]+)/g;
/** `NAME=$(...)`: a value the following examples rely on. */
const CAPTURE = /^\s*([A-Z][A-Z0-9_]*)=\$\(/gm;

/**
 * One bash script running every example in order, in one shell so variables carry over,
 * with the documented port replaced by `port`. After each example, each variable it captured
 * must hold a value: `node -p` prints `undefined` for a field the answer lacks, and the
 * example after it would fail for a reason far from the cause.
 */
export function shellScript(examples: Example[], port: number): string {
  const parts = [
    'set -euo pipefail',
    `__mark() { printf '\\n${MARK} %s\\n' "$1"; }`,
    '__captured() {',
    '  for name in "$@"; do',
    '    case "${!name:-}" in',
    '      "" | undefined | null) echo "$name is empty after this example (\\"${!name:-}\\")" >&2; return 1 ;;',
    '    esac',
    '  done',
    '}',
  ];
  examples.forEach((example, index) => {
    parts.push(`__mark ${index}`);
    const code = withPorts(example.code, port);
    parts.push(example.background ? `(\n${code}\n) &` : code);
    const captured = [...example.code.matchAll(CAPTURE)].map((match) => match[1]!);
    if (captured.length > 0) parts.push(`__captured ${[...new Set(captured)].join(' ')}`);
  });
  parts.push(`__mark ${examples.length}`);
  return `${parts.join('\n')}\n`;
}

/**
 * The documented ports replaced by free ones: 3000 (the README's server) by `port`, and 3100
 * and 3101 (docs/integrating.md's own Sentinel and example app) by the two after it.
 */
function withPorts(code: string, port: number): string {
  const ports: Record<string, number> = { '3000': port, '3100': port + 1, '3101': port + 2 };
  return code
    .replace(/\b(?:localhost|127\.0\.0\.1):(3000|3100|3101)\b/g, (_, documented: string) => `localhost:${ports[documented]}`)
    .replace(/\bPORT=(3100|3101)\b/g, (_, documented: string) => `PORT=${ports[documented]}`);
}

/** Each example's output, by index; server log lines (JSON with a `level`) are left out. */
export function outputsByExample(output: string): Map<number, string> {
  const outputs = new Map<number, string>();
  let current: number | undefined;
  for (const line of output.split('\n')) {
    const mark = line.startsWith(MARK) ? Number(line.slice(MARK.length + 1)) : undefined;
    if (mark !== undefined) {
      current = mark;
      outputs.set(mark, '');
    } else if (current !== undefined && !line.startsWith('{"level"')) {
      outputs.set(current, `${outputs.get(current)}${line}\n`);
    }
  }
  return outputs;
}

/** What is wrong with an example's output: a missing expected text, an unexpected or missing problem. */
export function outputFailures(example: Example, output: string): string[] {
  const failures = example.expect.filter((text) => !output.includes(text)).map((text) => `expected the output to contain: ${text}`);
  const problems = new Set([...output.matchAll(PROBLEM)].map((match) => match[1]!));
  for (const code of example.expectProblems) if (!problems.has(code)) failures.push(`expected the problem ${code}`);
  for (const code of problems) if (!example.expectProblems.includes(code)) failures.push(`unexpected problem ${code}`);
  return failures;
}
