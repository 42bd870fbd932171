import type { Command } from 'commander';
import { eq, sql } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../config.js';
import { queryRows, type Executor } from '../db/client.js';
import { signingKeys, userTotp } from '../db/schema.js';
import { SIGNING_KEY_PURPOSE } from '../modules/keys/compose.js';
import {
  ENCRYPTION_KEY_SETTINGS,
  KEY_RING_REFRESH_MS,
  randomKey,
  readStoredKeys,
  type KeyRing,
} from '../modules/system/encryption-keys.js';
import { TOTP_SECRET_PURPOSE } from '../modules/totp/compose.js';
import { secretContext } from '../modules/totp/second-factors.js';
import { SecretBox, UnreadableSecretError } from '../crypto/secret-box.js';
import { openServices, type CommandServices } from './services.js';
import { CLI_CONTEXT } from './context.js';

/** Long enough for every running server to read the key ring twice. */
const SETTLE_MS = 2 * KEY_RING_REFRESH_MS + 2000;

export function encryptionKeyCommands(program: Command): void {
  const encryptionKey = program
    .command('encryption-key')
    .description('manage the key that encrypts TOTP secrets and private signing keys at rest');
  encryptionKey
    .command('rotate')
    .description(
      'encrypt every TOTP secret under a new key: a newly generated one, or SENTINEL_ENCRYPTION_KEY when set ' +
        '(then the old key must be in SENTINEL_ENCRYPTION_KEY_PREVIOUS, or still the generated one). Servers keep running',
    )
    .action(async () => {
      const config = loadConfig();
      const runtime = await openServices(config, 'encryption-key rotate');
      try {
        const { rewritten, unreadable } =
          config.encryptionKey === undefined ? await rotateGenerated(runtime) : await adoptConfigured(runtime, config);
        process.stdout.write(
          `Re-encrypted ${rewritten} secret${rewritten === 1 ? '' : 's'} (TOTP secrets, private signing keys) under the new key\n`,
        );
        if (unreadable > 0) {
          process.stderr.write(
            `sentinel: ${unreadable} secret${unreadable === 1 ? '' : 's'} opened with no known key and stayed as ${unreadable === 1 ? 'it was' : 'they were'} ` +
              '(their users log in with a recovery code, or an operator turns their TOTP off)\n',
          );
        }
      } finally {
        await runtime.close();
      }
    });
}

/**
 * A generated key: the new one is stored as `next` first, so that every running server
 * (which reads the ring every few seconds) can open with it before anything is sealed
 * under it; then one transaction re-encrypts every secret and makes it current, keeping the
 * old one as `previous` for what a server still seals with it until it reads the ring again.
 */
async function rotateGenerated(runtime: CommandServices): Promise<Rewrite> {
  const { db } = runtime.database;
  await queryRows(
    db,
    sql`INSERT INTO instance_settings (key, value) VALUES (${ENCRYPTION_KEY_SETTINGS.next}, ${randomKey()}) ON CONFLICT (key) DO NOTHING`,
  );
  if (runtime.access !== 'pglite') {
    process.stderr.write(`sentinel: waiting ${SETTLE_MS / 1000} s for running servers to learn the new key\n`);
    await sleep(SETTLE_MS);
  }
  return db.transaction(async (tx) => {
    await queryRows(tx, sql`SELECT key FROM instance_settings WHERE key = ${ENCRYPTION_KEY_SETTINGS.current} FOR UPDATE`);
    const stored = await readStoredKeys(tx);
    if (!stored.next || !stored.current) throw new Error('Another rotation finished first: run the command again if you want another key');
    const result = await reseal(tx, {
      current: stored.next,
      all: [stored.next, stored.current, ...(stored.previous ? [stored.previous] : [])],
    });
    await queryRows(
      tx,
      sql`INSERT INTO instance_settings (key, value) VALUES (${ENCRYPTION_KEY_SETTINGS.previous}, ${stored.current})
          ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
    );
    await queryRows(tx, sql`UPDATE instance_settings SET value = ${stored.next} WHERE key = ${ENCRYPTION_KEY_SETTINGS.current}`);
    await queryRows(tx, sql`DELETE FROM instance_settings WHERE key = ${ENCRYPTION_KEY_SETTINGS.next}`);
    await runtime.services.audit.record(
      { action: 'instance.encryption_key_rotated', detail: { ...result, source: 'generated' } },
      CLI_CONTEXT,
      tx,
    );
    return result;
  });
}

/**
 * SENTINEL_ENCRYPTION_KEY is set (every server was restarted with it, and with the old key
 * in SENTINEL_ENCRYPTION_KEY_PREVIOUS unless the old one was generated): re-encrypt under it
 * and forget the generated keys, which nothing needs any more.
 */
async function adoptConfigured(runtime: CommandServices, config: Config): Promise<Rewrite> {
  return runtime.database.db.transaction(async (tx) => {
    const stored = await readStoredKeys(tx);
    const openers = [stored.current, stored.next, stored.previous].filter((key): key is string => key !== undefined);
    const result = await reseal(tx, {
      current: config.encryptionKey!,
      all: [config.encryptionKey!, ...config.previousEncryptionKeys, ...openers],
    });
    if (result.unreadable === 0) {
      await queryRows(
        tx,
        sql`DELETE FROM instance_settings WHERE key IN (${ENCRYPTION_KEY_SETTINGS.current}, ${ENCRYPTION_KEY_SETTINGS.next}, ${ENCRYPTION_KEY_SETTINGS.previous})`,
      );
    }
    await runtime.services.audit.record(
      { action: 'instance.encryption_key_rotated', detail: { ...result, source: 'SENTINEL_ENCRYPTION_KEY' } },
      CLI_CONTEXT,
      tx,
    );
    return result;
  });
}

interface Rewrite {
  rewritten: number;
  unreadable: number;
}

/** Opens every value sealed at rest (TOTP secrets, private signing keys) with any key of the ring and seals it again with the ring's current key. */
async function reseal(tx: Executor, ring: KeyRing): Promise<Rewrite> {
  const totp = new SecretBox(ring, TOTP_SECRET_PURPOSE);
  const secrets = await tx.select({ userId: userTotp.userId, sealed: userTotp.secretEncrypted }).from(userTotp).for('update');
  const signing = new SecretBox(ring, SIGNING_KEY_PURPOSE);
  const keys = await tx.select({ kid: signingKeys.kid, sealed: signingKeys.privateKeySealed }).from(signingKeys).for('update');
  const result: Rewrite = { rewritten: 0, unreadable: 0 };
  for (const { userId, sealed } of secrets) {
    const resealed = resealOne(totp, sealed, secretContext(userId), result);
    if (resealed) await tx.update(userTotp).set({ secretEncrypted: resealed }).where(eq(userTotp.userId, userId));
  }
  for (const { kid, sealed } of keys) {
    if (sealed === null) continue; // the HS256 row: its secret is the JWT secret, not sealed here
    const resealed = resealOne(signing, sealed, kid, result);
    if (resealed) await tx.update(signingKeys).set({ privateKeySealed: resealed }).where(eq(signingKeys.kid, kid));
  }
  return result;
}

function resealOne(box: SecretBox, sealed: string, context: string, result: Rewrite): string | undefined {
  try {
    const resealed = box.seal(box.open(sealed, context), context);
    result.rewritten += 1;
    return resealed;
  } catch (error) {
    if (!(error instanceof UnreadableSecretError)) throw error;
    result.unreadable += 1;
    return undefined;
  }
}
