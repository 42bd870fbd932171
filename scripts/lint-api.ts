/**
 * `npm run lint:api`: builds the app in this process on an in-memory PGlite, takes the
 * document GET /openapi.json serves, and checks it with Redocly (recommended ruleset,
 * redocly.yaml) and Spectral (spectral:oas, .spectral.yaml). Any error or warning fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { servedDocument } from './served-document.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

interface RedoclyReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** Redocly fails only on errors; its warnings count here too, so the document stays clean. */
function redocly(file: string): boolean {
  const run = spawnSync(bin('redocly'), ['lint', file, '--config', path.join(root, 'redocly.yaml'), '--format=json'], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off' },
  });
  let report: RedoclyReport;
  try {
    report = JSON.parse(run.stdout) as RedoclyReport;
  } catch {
    process.stderr.write(run.stdout + run.stderr);
    return false;
  }
  for (const problem of report.problems) {
    console.log(`  ${problem.severity} ${problem.ruleId}: ${problem.message} (${problem.location[0]?.pointer ?? ''})`);
  }
  console.log(`Redocly: ${report.totals.errors} errors, ${report.totals.warnings} warnings`);
  return run.status === 0 && report.totals.errors + report.totals.warnings === 0;
}

function spectral(file: string): boolean {
  const run = spawnSync(bin('spectral'), ['lint', file, '--ruleset', path.join(root, '.spectral.yaml'), '--fail-severity=warn'], {
    stdio: 'inherit',
  });
  return run.status === 0;
}

const dir = mkdtempSync(path.join(tmpdir(), 'sentinel-openapi-'));
try {
  const file = path.join(dir, 'openapi.json');
  // Pretty-printed, so the linters' line numbers point somewhere readable.
  writeFileSync(file, JSON.stringify(await servedDocument(), null, 2));
  const results = [redocly(file), spectral(file)];
  process.exitCode = results.every(Boolean) ? 0 : 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
