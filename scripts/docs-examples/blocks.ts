/**
 * The shell examples of a Markdown page, as `npm run docs:examples` runs them. A fenced block
 * in `bash`, `sh`, `shell` or `console` is an example. Comments beside it (invisible on the
 * rendered page) steer the run:
 *
 *   <!-- not-run: why -->           before the block: skip it (the reason is required and printed)
 *   <!-- background: why -->        before the block: run it in the background (a server the
 *                                   next examples talk to, as a reader keeps it running)
 *   <!-- expect: some text -->      after the block: its output must contain this text
 *   <!-- expect-problem: code -->   after the block: it must answer this problem type; without it,
 *                                   any `urn:sentinel:problem:` in the output fails the block
 */
export interface Example {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** Why the block is skipped; undefined when it runs. */
  notRun: string | undefined;
  /** Runs in the background (a server the next examples use). */
  background: boolean;
  expect: string[];
  expectProblems: string[];
}

const SHELL_LANGUAGES = new Set(['bash', 'sh', 'shell', 'console']);
const FENCE = /^(\s*)(`{3,})\s*([\w-]*)/;
const NOT_RUN = /^<!--\s*not-run(?::\s*(.*?))?\s*-->$/;
const BACKGROUND = /^<!--\s*background:\s*.+?\s*-->$/;
const EXPECT = /^<!--\s*expect:\s*(.+?)\s*-->$/;
const EXPECT_PROBLEM = /^<!--\s*expect-problem:\s*([a-z_]+)\s*-->$/;

export class ExampleMarkupError extends Error {
  override name = 'ExampleMarkupError';
}

export function extractExamples(file: string, markdown: string): Example[] {
  const lines = markdown.split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]!);
    if (!open) continue;
    const [, indent = '', fence = '', language = ''] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence); i++) {
      body.push(lines[i]!.startsWith(indent) ? lines[i]!.slice(indent.length) : lines[i]!);
    }
    if (i >= lines.length) throw new ExampleMarkupError(`${file}:${start + 1}: the code block is never closed`);
    if (!SHELL_LANGUAGES.has(language)) continue;

    const example: Example = {
      file,
      line: start + 1,
      code: body.join('\n'),
      notRun: undefined,
      background: false,
      expect: [],
      expectProblems: [],
    };
    const before = previousComment(lines, start);
    const notRun = before === undefined ? null : NOT_RUN.exec(before);
    if (notRun) {
      if (!notRun[1]) throw new ExampleMarkupError(`${file}:${start + 1}: <!-- not-run --> needs a reason: <!-- not-run: why -->`);
      example.notRun = notRun[1];
    }
    example.background = before !== undefined && BACKGROUND.test(before);
    for (const comment of followingComments(lines, i)) {
      const expected = EXPECT.exec(comment);
      const problem = EXPECT_PROBLEM.exec(comment);
      if (expected) example.expect.push(expected[1]!);
      else if (problem) example.expectProblems.push(problem[1]!);
      else if (comment.startsWith('<!-- expect')) throw new ExampleMarkupError(`${file}:${start + 1}: cannot read ${comment}`);
    }
    examples.push(example);
  }
  return examples;
}

/** The comment on the last non-blank line before `index`, if that line is one. */
function previousComment(lines: string[], index: number): string | undefined {
  for (let j = index - 1; j >= 0; j--) {
    const line = lines[j]!.trim();
    if (line === '') continue;
    return line.startsWith('<!--') ? line : undefined;
  }
  return undefined;
}

/** The comment lines right after the closing fence at `index`, blank lines between them allowed. */
function followingComments(lines: string[], index: number): string[] {
  const comments: string[] = [];
  for (let j = index + 1; j < lines.length; j++) {
    const line = lines[j]!.trim();
    if (line === '') continue;
    if (!line.startsWith('<!-- expect')) break;
    comments.push(line);
  }
  return comments;
}
