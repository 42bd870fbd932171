import { sql } from 'drizzle-orm';
import { randomSecret } from '../../crypto/secrets.js';
import { queryRows, type Executor } from '../../db/client.js';

/** instance_settings rows of a generated encryption key: the one that seals, the one about to, and the one before. */
export const ENCRYPTION_KEY_SETTINGS = {
  current: 'encryption_key',
  next: 'encryption_key_next',
  previous: 'encryption_key_previous',
} as const;

/** Master secrets for encryption at rest: `current` seals, every one in `all` opens (current first). */
export interface KeyRing {
  readonly current: string;
  readonly all: readonly string[];
}

/** How often a server reads a generated key ring again, so a rotation reaches running servers without a restart. */
export const KEY_RING_REFRESH_MS = 5000;

/**
 * The instance's encryption keys as the database and configuration hold them now.
 *
 * With SENTINEL_ENCRYPTION_KEY set, it seals, and SENTINEL_ENCRYPTION_KEY_PREVIOUS and any
 * generated key still in the database only open: rotating is changing the variables, then
 * `sentinel encryption-key rotate` re-encrypts everything under the new key. Without it, the
 * generated keys in instance_settings are the ring, and a server reads them again every
 * KEY_RING_REFRESH_MS: a rotation first adds the next key (every server can then open with
 * it), then re-encrypts and makes it current (see src/cli/encryption-key.ts).
 */
export class EncryptionKeyRing implements KeyRing {
  private keys: readonly string[];

  private constructor(
    keys: readonly string[],
    private readonly configured: { current: string; previous: readonly string[] } | undefined,
  ) {
    this.keys = keys;
  }

  /** Reads the ring; with no key configured or generated yet, generates one (concurrent first starts agree on one). */
  static async load(db: Executor, configured: { current?: string | undefined; previous: readonly string[] }): Promise<EncryptionKeyRing> {
    const fixed = configured.current === undefined ? undefined : { current: configured.current, previous: configured.previous };
    if (!fixed) {
      await queryRows(
        db,
        sql`INSERT INTO instance_settings (key, value) VALUES (${ENCRYPTION_KEY_SETTINGS.current}, ${randomKey()}) ON CONFLICT (key) DO NOTHING`,
      );
    }
    const ring = new EncryptionKeyRing([], fixed);
    await ring.refresh(db);
    return ring;
  }

  get current(): string {
    return this.keys[0]!;
  }

  get all(): readonly string[] {
    return this.keys;
  }

  /** Whether the ring comes from SENTINEL_ENCRYPTION_KEY (then only a restart changes it). */
  get isConfigured(): boolean {
    return this.configured !== undefined;
  }

  async refresh(db: Executor): Promise<void> {
    const stored = await readStoredKeys(db);
    const ordered = this.configured
      ? [this.configured.current, ...this.configured.previous, stored.current, stored.next, stored.previous]
      : [stored.current, stored.next, stored.previous];
    const keys = [...new Set(ordered.filter((key): key is string => key !== undefined))];
    if (keys.length === 0) throw new Error('No encryption key in instance_settings');
    this.keys = keys;
  }

  /**
   * Reads the generated ring again every KEY_RING_REFRESH_MS (a configured ring never
   * changes); returns a stop function. A failure is reported once until a read succeeds
   * again: a database outage should not fill the log.
   */
  watch(db: Executor, onError: (error: unknown) => void, everyMs = KEY_RING_REFRESH_MS): () => void {
    if (this.configured) return () => {};
    let failing = false;
    const read = () =>
      this.refresh(db).then(
        () => (failing = false),
        (error: unknown) => {
          if (!failing) onError(error);
          failing = true;
        },
      );
    const timer = setInterval(() => void read(), everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }
}

export async function readStoredKeys(db: Executor): Promise<{ current?: string; next?: string; previous?: string }> {
  const rows = await queryRows<{ key: string; value: string }>(
    db,
    sql`SELECT key, value FROM instance_settings WHERE key IN (${ENCRYPTION_KEY_SETTINGS.current}, ${ENCRYPTION_KEY_SETTINGS.next}, ${ENCRYPTION_KEY_SETTINGS.previous})`,
  );
  const value = (key: string) => rows.find((row) => row.key === key)?.value;
  return {
    ...optional('current', value(ENCRYPTION_KEY_SETTINGS.current)),
    ...optional('next', value(ENCRYPTION_KEY_SETTINGS.next)),
    ...optional('previous', value(ENCRYPTION_KEY_SETTINGS.previous)),
  };
}

function optional<K extends string>(name: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}

/** A new generated master secret: 256 random bits. */
export function randomKey(): string {
  return randomSecret(32);
}
