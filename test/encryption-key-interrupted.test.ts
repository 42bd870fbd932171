import { describe, expect, it } from 'vitest';
import { cliEnv, commandDatabase, runCli, runCliUntil, startServer, tempDir } from './helpers/cli.js';
import { testEngine } from './helpers/database.js';
import { enrollTotpUser } from './helpers/served.js';

const database = commandDatabase();
const engineEnv = (dir: string, extra: Record<string, string> = {}) =>
  cliEnv({ SENTINEL_DATA_DIR: dir, DATABASE_URL: database.url(), ...extra });

// On PostgreSQL the command waits between storing the next key and re-encrypting (for running
// servers to learn it): the one window where a crash leaves a half-done rotation. On PGlite it
// does both in one go, inside the server's single backend.
describe.runIf(testEngine === 'postgres')('sentinel encryption-key rotate, interrupted', { timeout: 240_000 }, () => {
  // A bad day: the operator's terminal dies mid-rotation, while it waits for the servers to
  // learn the new key. Nothing may be left that a server cannot open, and running the command
  // again finishes the job.
  it('leaves every secret readable when killed mid-rotation, and finishes when run again', async () => {
    const dir = tempDir();
    const key = 'sk_encryption_kill_key_0123456789';
    const server = await startServer(engineEnv(dir, { SENTINEL_API_KEY: key, SENTINEL_JWT_ALGORITHM: 'EdDSA' }));
    try {
      const otpLogin = await enrollTotpUser(() => server.url, key);
      const killed = await runCliUntil(['encryption-key', 'rotate'], engineEnv(dir), /waiting \d+ s for running servers/);
      expect(killed.code).toBeNull();
      expect((await otpLogin(0)).status).toBe(200);
      const again = await runCli(['encryption-key', 'rotate'], engineEnv(dir));
      expect(again.stderr).not.toMatch(/opened with no known key/);
      expect(again.code).toBe(0);
      expect(again.stdout).toBe('Re-encrypted 2 secrets (TOTP secrets, private signing keys) under the new key\n');
      expect((await otpLogin(1)).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // And a restarted server opens its private signing key.
    const restarted = await startServer(engineEnv(dir, { SENTINEL_API_KEY: key, SENTINEL_JWT_ALGORITHM: 'EdDSA' }));
    expect(await restarted.stop()).toBe(0);
  });
});
