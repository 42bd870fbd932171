/**
 * `npm run docs:examples`: runs the README's shell examples, then every docs page's, in the
 * order a reader follows them, in one shell against a fresh server: the built `dist/`, a
 * random port, an empty data directory. Fails on a command's non-zero exit, on an unexpected
 * problem answer, and on a missing expected output (see docs-examples/blocks.ts for the marks).
 * Everything it started is stopped by its process group id, whatever happens.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractExamples, type Example } from './docs-examples/blocks.js';
import { outputFailures, outputsByExample, shellScript } from './docs-examples/script.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The order a reader follows: each page's examples continue from the ones before. */
const PAGES = [
  'README.md',
  'docs/apps-and-profiles.md',
  'docs/operators.md',
  'docs/audit.md',
  'docs/import.md',
  'docs/totp.md',
  'docs/passkeys.md',
  'docs/email.md',
  'docs/console.md',
  'docs/performance-profiles.md',
  'docs/performance-import.md',
  'docs/operations.md',
  'docs/integrating.md',
  'docs/webhooks.md',
  'docs/oidc.md',
];
/** Pages left out whole, and why. */
const PAGES_NOT_RUN: Record<string, string> = {
  'docs/benchmarks.md': 'its commands are benchmark runs of minutes each (npm run bench)',
};
const TIMEOUT_MS = 5 * 60_000;

/** Every page's examples in reading order; `--until docs/x.md` stops after that page (for writing one). */
function examplesInOrder(argv: string[]): Example[] {
  const pages = fs.readdirSync(path.join(root, 'docs')).map((name) => `docs/${name}`);
  const unlisted = pages.filter((page) => page.endsWith('.md') && !PAGES.includes(page) && !(page in PAGES_NOT_RUN));
  if (unlisted.length > 0)
    throw new Error(`add ${unlisted.join(', ')} to PAGES (or PAGES_NOT_RUN, with a reason) in scripts/run-docs-examples.ts`);
  const until = argv.includes('--until') ? PAGES.indexOf(argv[argv.indexOf('--until') + 1] ?? '') : PAGES.length - 1;
  if (until < 0) throw new Error(`--until takes one of ${PAGES.join(', ')}`);
  return PAGES.slice(0, until + 1).flatMap((page) => extractExamples(page, fs.readFileSync(path.join(root, page), 'utf8')));
}

/** A directory a new user's checkout would look like after `npm install`, without copying node_modules. */
function workDirectory(): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-docs-'));
  for (const name of ['dist', 'drizzle', 'node_modules', 'packages', 'examples'])
    fs.symlinkSync(path.join(root, name), path.join(work, name));
  fs.copyFileSync(path.join(root, 'package.json'), path.join(work, 'package.json'));
  return work;
}

/** This environment without anything that would point the server elsewhere than a fresh PGlite (or at a mail server). */
function cleanEnvironment(port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (!/^(SENTINEL_|DATABASE_URL$|REDIS_URL$|SMTP_URL$|PORT$|HOST$|TEST_)/.test(name)) env[name] = value;
  }
  // Quiet logs; SIGTERM stops at once, as nothing balances load here.
  return { ...env, PORT: String(port), SENTINEL_LOG_LEVEL: 'warn', SENTINEL_SHUTDOWN_GRACE: '0' };
}

async function runScript(script: string, work: string, port: number): Promise<{ code: number | null; output: string }> {
  fs.writeFileSync(path.join(work, 'examples.sh'), script);
  // Its own process group: the server the README starts with `npm start &` belongs to it too.
  const child = spawn('bash', ['examples.sh'], {
    cwd: work,
    env: cleanEnvironment(port),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Interrupted (Ctrl-C, CI cancelled): stop the group first, or the server would outlive the runner.
  const interrupted = (signal: NodeJS.Signals) => {
    void stopGroup(child.pid!).finally(() => {
      fs.rmSync(work, { recursive: true, force: true });
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const timer = setTimeout(() => {
    output += `\nstopped after ${TIMEOUT_MS / 1000} s\n`;
    child.kill('SIGKILL');
  }, TIMEOUT_MS);
  // 'exit', not 'close': the background server keeps the output pipes open after bash ends.
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  clearTimeout(timer);
  await stopGroup(child.pid!);
  process.off('SIGINT', interrupted).off('SIGTERM', interrupted);
  return { code, output };
}

/** SIGTERM to the group, then SIGKILL to what is left after 15 s. */
async function stopGroup(groupId: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-groupId, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  process.kill(-groupId, 'SIGTERM');
  for (let waited = 0; alive() && waited < 15_000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  if (alive()) process.kill(-groupId, 'SIGKILL');
}

async function main(): Promise<number> {
  if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
    console.error('dist/cli.js is missing: run npm run build first');
    return 1;
  }
  const examples = examplesInOrder(process.argv.slice(2));
  const runnable = examples.filter((example) => example.notRun === undefined);
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  const work = workDirectory();
  const started = Date.now();
  try {
    const { code, output } = await runScript(shellScript(runnable, port), work, port);
    const outputs = outputsByExample(output);
    let failed = code !== 0;
    runnable.forEach((example, index) => {
      const out = outputs.get(index);
      const stoppedHere = out !== undefined && !outputs.has(index + 1);
      const failures = out === undefined ? ['not reached'] : outputFailures(example, out);
      if (stoppedHere && code !== 0) failures.unshift(`the shell stopped here with exit code ${code}`);
      console.log(`${failures.length === 0 ? 'ok  ' : 'FAIL'} ${example.file}:${example.line}`);
      if (failures.length > 0 && out !== undefined) {
        failed = true;
        console.log([indent(`$ ${example.code}`), indent(out.trimEnd()), indent(failures.join('\n'))].join('\n'));
      }
    });
    for (const example of examples.filter((e) => e.notRun !== undefined))
      console.log(`skip ${example.file}:${example.line}: ${example.notRun}`);
    for (const [page, reason] of Object.entries(PAGES_NOT_RUN)) console.log(`skip ${page}: ${reason}`);
    console.log(
      `\n${runnable.length} examples ${failed ? 'FAILED' : 'passed'} in ${Math.round((Date.now() - started) / 1000)} s` +
        (code === 0 ? '' : ` (the shell exited with ${code})`),
    );
    if (failed && !outputs.has(0)) console.log(output);
    return failed ? 1 : 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return text.replace(/^/gm, '    ');
}

process.exitCode = await main();
