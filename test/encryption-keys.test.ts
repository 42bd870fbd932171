import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/db/client.js';
import { ENCRYPTION_KEY_SETTINGS, EncryptionKeyRing } from '../src/modules/system/encryption-keys.js';
import { SecretBox } from '../src/crypto/secret-box.js';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const CONFIGURED = 'a configured encryption key of 32+ bytes';
const OLD_CONFIGURED = 'the previous configured key of 32+ bytes';

describe('the encryption key ring', () => {
  it('generates one key, then reads a key added by a rotation on refresh, and opens with it', async () => {
    const ring = await EncryptionKeyRing.load(t.database.db, { previous: [] });
    expect((await EncryptionKeyRing.load(t.database.db, { previous: [] })).current).toBe(ring.current);
    expect(ring.all).toEqual([ring.current]);

    const next = 'the next generated key, 32 bytes or more';
    await queryRows(t.database.db, sql`INSERT INTO instance_settings (key, value) VALUES (${ENCRYPTION_KEY_SETTINGS.next}, ${next})`);
    const box = new SecretBox(ring, 'test');
    const sealedUnderNext = new SecretBox(next, 'test').seal('secret', 'row 1');
    expect(() => box.open(sealedUnderNext, 'row 1')).toThrow();
    await ring.refresh(t.database.db);
    expect(box.open(sealedUnderNext, 'row 1')).toBe('secret');
    // It still seals with the current key until the rotation makes the next one current.
    expect(new SecretBox(ring.current, 'test').open(box.seal('other', 'row 2'), 'row 2')).toBe('other');
    await queryRows(t.database.db, sql`DELETE FROM instance_settings WHERE key = ${ENCRYPTION_KEY_SETTINGS.next}`);
  });

  it('seals with SENTINEL_ENCRYPTION_KEY, and opens with its previous values and the generated key', async () => {
    const generated = (await EncryptionKeyRing.load(t.database.db, { previous: [] })).current;
    const ring = await EncryptionKeyRing.load(t.database.db, { current: CONFIGURED, previous: [OLD_CONFIGURED] });
    expect(ring.all).toEqual([CONFIGURED, OLD_CONFIGURED, generated]);
    const box = new SecretBox(ring, 'test');
    expect(box.open(new SecretBox(OLD_CONFIGURED, 'test').seal('a', 'ctx'), 'ctx')).toBe('a');
    expect(box.open(new SecretBox(generated, 'test').seal('b', 'ctx'), 'ctx')).toBe('b');
    expect(new SecretBox(CONFIGURED, 'test').open(box.seal('c', 'ctx'), 'ctx')).toBe('c');
    // A value sealed for another row still does not open.
    expect(() => box.open(box.seal('d', 'ctx'), 'another row')).toThrow();
  });
});
