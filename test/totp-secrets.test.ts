import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { queryRows } from '../src/db/client.js';
import { secretContext } from '../src/modules/totp/second-factors.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { loadInstanceSecrets } from '../src/modules/system/instance-secrets.js';
import { createTestApp, TEST_API_KEY, type TestApp } from './helpers/app.js';
import { enrollTotp, RFC6238_SECRET, startLogin, TEST_ENCRYPTION_KEY, verifyOtp } from './helpers/totp.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ env: { SENTINEL_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY } });
});
afterAll(() => t.close());

describe('TOTP configuration', () => {
  it('refuses an encryption key under 32 bytes and an issuer with a colon', () => {
    expect(() => loadConfig({ SENTINEL_ENCRYPTION_KEY: 'x'.repeat(31) })).toThrow(ConfigError);
    expect(loadConfig({ SENTINEL_ENCRYPTION_KEY: 'x'.repeat(32) }).encryptionKey).toBe('x'.repeat(32));
    expect(() => loadConfig({ SENTINEL_TOTP_ISSUER: 'Acme:Prod' })).toThrow(/SENTINEL_TOTP_ISSUER/);
    expect(loadConfig({}).totpIssuer).toBe('Sentinel');
    expect(loadConfig({}).encryptionKey).toBeUndefined();
  });

  it('generates an encryption key on first start and keeps it in the database, unless configured', async () => {
    const base = loadConfig({ SENTINEL_API_KEY: TEST_API_KEY });
    const first = await loadInstanceSecrets(t.database.db, base);
    const second = await loadInstanceSecrets(t.database.db, base);
    expect(first.encryptionKey).toHaveLength(43);
    expect(second.encryptionKey).toBe(first.encryptionKey);
    const configured = await loadInstanceSecrets(t.database.db, { ...base, encryptionKey: TEST_ENCRYPTION_KEY });
    expect(configured.encryptionKey).toBe(TEST_ENCRYPTION_KEY);
  });
});

describe('TOTP secrets at rest', () => {
  // Threat: a database dump. With SENTINEL_ENCRYPTION_KEY set, it holds no usable TOTP secret.
  it('keeps only AES-GCM ciphertext in the database, which another key cannot open', async () => {
    const user = await t.registerUser();
    const { secret } = await enrollTotp(t, user);
    const dump = JSON.stringify(await queryRows(t.database.db, sql`SELECT * FROM user_totp`));
    expect(dump).not.toContain(secret);
    const [row] = await queryRows<{ secret_encrypted: string }>(
      t.database.db,
      sql`SELECT secret_encrypted FROM user_totp WHERE user_id = ${user.id}`,
    );
    expect(() =>
      new SecretBox('some other key of thirty-two bytes!!', 'totp-secret').open(row!.secret_encrypted, secretContext(user.id)),
    ).toThrow();
  });

  it('answers 500 otp_secret_unreadable when the key changed, while recovery codes still log in', async () => {
    const user = await t.registerUser();
    const { recoveryCodes } = await enrollTotp(t, user);
    const foreign = new SecretBox('a different encryption key, 32+ bytes', 'totp-secret').seal(RFC6238_SECRET, secretContext(user.id));
    await queryRows(t.database.db, sql`UPDATE user_totp SET secret_encrypted = ${foreign} WHERE user_id = ${user.id}`);
    const response = await verifyOtp(t, await startLogin(t, user), '123456');
    expect(response.status).toBe(500);
    expect(response.body.type).toBe('urn:sentinel:problem:otp_secret_unreadable');
    expect(response.text).not.toContain(foreign);
    expect((await verifyOtp(t, await startLogin(t, user), recoveryCodes[0]!)).status).toBe(200);
  });
});
