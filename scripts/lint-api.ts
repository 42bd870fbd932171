/**
 * `npm run lint:api`: builds the app in this process on an in-memory PGlite, takes the
 * document GET /openapi.json serves, and checks it with Redocly (recommended ruleset,
 * redocly.yaml) and Spectral (spectral:oas, .spectral.yaml). Any error or warning fails.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { sha256Hex } from '../src/crypto/secrets.js';
import { openDatabase } from '../src/db/client.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string) => path.join(root, 'node_modules', '.bin', name);

async function servedDocument(): Promise<unknown> {
  const apiKey = randomBytes(24).toString('hex');
  const config = loadConfig({ SENTINEL_API_KEY: apiKey, SENTINEL_JWT_SECRET: randomBytes(32).toString('hex') });
  const database = await openDatabase({});
  await database.migrate();
  const secrets = { jwtSecret: config.jwtSecret!, bootstrapApiKeyHash: sha256Hex(apiKey), encryptionKey: randomBytes(32).toString('hex') };
  const app = await buildApp({ config, database, secrets, logger: false });
  try {
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    if (response.statusCode !== 200) throw new Error(`GET /openapi.json answered ${response.statusCode}`);
    return response.json();
  } finally {
    await app.close();
    await database.close();
  }
}

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
