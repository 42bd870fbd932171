import { importJWK, importPKCS8, type CryptoKey, type JWK, type JWSHeaderParameters } from 'jose';
import { webcrypto } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Clock } from '../../clock.js';
import type { Database } from '../../db/client.js';
import type { SigningKeyRow } from '../../db/schema.js';
import { UnreadableSecretError, type SecretBox } from '../../crypto/secret-box.js';
import { HS256_KID, isTokenAlgorithm, type TokenAlgorithm } from './algorithms.js';
import type { SigningKeysRepository } from './keys-repository.js';

export const KEYS_CHANGED_CHANNEL = 'sentinel_signing_keys_changed';

/**
 * A token naming a kid this process does not know makes it read the keys again, at most once
 * per this interval: a key rotated in by another process is found, and tokens with made-up
 * kids cannot turn into one query each.
 */
const MISS_RELOAD_INTERVAL_MS = 1000;

export type KeyStatus = 'active' | 'retiring' | 'retired';

/** active: signs new tokens; retiring: replaced, still verifies tokens it signed; retired: refused everywhere. */
export function statusOf(row: Pick<SigningKeyRow, 'supersededAt' | 'retiresAt'>, now: Date): KeyStatus {
  if (row.supersededAt === null) return 'active';
  return row.retiresAt !== null && row.retiresAt > now ? 'retiring' : 'retired';
}

export interface SigningKey {
  key: CryptoKey;
  header: { alg: TokenAlgorithm; kid?: string; typ: 'JWT' };
}

/** What access tokens need from the keys: one to sign with, and the right one for each token to verify. */
export interface TokenKeys {
  signingKey(): Promise<SigningKey>;
  /** The key that verifies a token with this header; throws KeyRefusedError for a token no key here may verify. */
  verificationKey(header: JWSHeaderParameters): Promise<CryptoKey>;
}

/** The token names no key that may verify it (unknown or retired kid, wrong alg, HS256 with a kid). */
export class KeyRefusedError extends Error {
  override name = 'KeyRefusedError';
}

/** The keys could not be read (the database failed): not the token's fault, so not a 401. */
export class KeysUnavailableError extends Error {
  override name = 'KeysUnavailableError';
}

export interface KeyRingDeps {
  repository: Pick<SigningKeysRepository, 'all'>;
  /** Makes the configured algorithm the signer, if it is not (KeyRotation.ensureAlgorithm). */
  prepare(): Promise<void>;
  database: Pick<Database, 'engine' | 'listen' | 'notify'>;
  box: SecretBox;
  /** The HS256 secret (SENTINEL_JWT_SECRET or the generated one). */
  hmacSecret: string;
  clock: Clock;
  /** How often to read the keys again on PostgreSQL, in case a notification was lost. */
  pollMs: number;
  onError(error: unknown): void;
}

interface Entry {
  row: SigningKeyRow;
  verifying?: Promise<CryptoKey>;
  signing?: Promise<CryptoKey>;
}

/**
 * The signing keys of this process, kept in memory so that signing and verifying need no query.
 * Every process on one database follows the table: the row without superseded_at signs. A
 * rotation anywhere reaches the others by NOTIFY, by a poll when a notification is lost, and
 * by a lookup when a token names a kid not yet seen.
 */
export class KeyRing implements TokenKeys {
  private entries = new Map<string, Entry>();
  private activeKid: string | undefined;
  private readonly hmacKey: Promise<CryptoKey>;
  private preparing: Promise<void> | undefined;
  private loading: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private missReload: Promise<void> | undefined;
  private lastLoadStartedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly deps: KeyRingDeps) {
    // Imported once: jose would otherwise import a raw secret again for every token.
    this.hmacKey = webcrypto.subtle.importKey('raw', new TextEncoder().encode(deps.hmacSecret), { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
      'verify',
    ]);
  }

  async start(): Promise<void> {
    await this.prepared();
    // Opens the signer's private key now: a wrong SENTINEL_ENCRYPTION_KEY stops the start, not a login.
    await this.signingKey();
    // The poll is the safety net for a notification lost while the listening connection was down.
    this.unlisten = await this.deps.database.listen(KEYS_CHANGED_CHANNEL, () => this.reloadInBackground());
    this.timer = setInterval(() => this.reloadInBackground(), this.deps.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.();
  }

  /** After a change made by this process: read the keys again here, then tell the others. */
  async changed(kid: string): Promise<void> {
    await this.reload();
    await this.deps.database.notify(KEYS_CHANGED_CHANNEL, kid);
  }

  /** Every key with its status now, newest first. */
  snapshot(): (SigningKeyRow & { status: KeyStatus })[] {
    const now = this.deps.clock();
    return [...this.entries.values()].map(({ row }) => ({ ...row, status: statusOf(row, now) }));
  }

  async signingKey(): Promise<SigningKey> {
    // Code that issues tokens without starting the ring (a seeding script) still gets the configured signer.
    if (this.activeKid === undefined) await this.prepared();
    const entry = this.activeKid === undefined ? undefined : this.entries.get(this.activeKid);
    if (!entry || !isTokenAlgorithm(entry.row.alg)) throw new Error('No signing key is loaded: the key ring has not started');
    const alg = entry.row.alg;
    if (alg === 'HS256') return { key: await this.hmacKey, header: { alg, typ: 'JWT' } };
    entry.signing ??= this.openPrivateKey(entry.row);
    return { key: await entry.signing, header: { alg, kid: entry.row.kid, typ: 'JWT' } };
  }

  async verificationKey({ alg, kid }: JWSHeaderParameters): Promise<CryptoKey> {
    if (alg === 'HS256') {
      // The original's tokens never named a key; an HS256 token with a kid was not made here.
      if (kid !== undefined) throw new KeyRefusedError('An HS256 token names no key');
      this.usable(this.entries.get(HS256_KID), alg);
      return this.hmacKey;
    }
    if (typeof kid !== 'string') throw new KeyRefusedError('The token names no key (kid)');
    const entry = this.usable(this.entries.get(kid) ?? (await this.afterMiss(kid)), alg);
    entry.verifying ??= importJWK(entry.row.publicJwk as JWK, entry.row.alg) as Promise<CryptoKey>;
    return entry.verifying;
  }

  /**
   * Reads the keys from the database. A caller that arrives while a read is running gets the
   * next one instead: the running read may have started before the change it knows of.
   */
  reload(): Promise<void> {
    if (!this.loading) {
      this.loading = this.load().finally(() => {
        this.loading = undefined;
      });
      return this.loading;
    }
    this.queued ??= this.loading
      .catch(() => {})
      .then(() => {
        this.queued = undefined;
        return this.reload();
      });
    return this.queued;
  }

  private prepared(): Promise<void> {
    this.preparing ??= (async () => {
      await this.deps.prepare();
      await this.reload();
    })().catch((error: unknown) => {
      this.preparing = undefined;
      throw error;
    });
    return this.preparing;
  }

  private async load(): Promise<void> {
    this.lastLoadStartedAt = Date.now();
    const rows = await this.deps.repository.all();
    const entries = new Map<string, Entry>();
    // A kid names the same key material for ever: keys already imported are kept.
    for (const row of rows) entries.set(row.kid, { ...this.entries.get(row.kid), row });
    this.entries = entries;
    this.activeKid = rows.find((row) => row.supersededAt === null)?.kid;
  }

  private reloadInBackground(): void {
    this.reload().catch((error: unknown) => this.deps.onError(error));
  }

  private async afterMiss(kid: string): Promise<Entry | undefined> {
    const wait = this.lastLoadStartedAt + MISS_RELOAD_INTERVAL_MS - Date.now();
    try {
      if (wait <= 0) await this.reload();
      else {
        this.missReload ??= delay(wait).then(() => {
          this.missReload = undefined;
          return this.reload();
        });
        await this.missReload;
      }
    } catch (error) {
      throw new KeysUnavailableError('The signing keys could not be read', { cause: error });
    }
    return this.entries.get(kid);
  }

  private usable(entry: Entry | undefined, alg: unknown): Entry {
    if (!entry) throw new KeyRefusedError('The token names an unknown key');
    // The header's alg must be the key's own: never verify with a key under another algorithm.
    if (entry.row.alg !== alg) throw new KeyRefusedError('The token names a key of another algorithm');
    if (statusOf(entry.row, this.deps.clock()) === 'retired') throw new KeyRefusedError('The token names a retired key');
    return entry;
  }

  private async openPrivateKey(row: SigningKeyRow): Promise<CryptoKey> {
    let pem: string;
    try {
      pem = this.deps.box.open(row.privateKeySealed ?? '', row.kid);
    } catch (error) {
      if (!(error instanceof UnreadableSecretError)) throw error;
      throw new Error(
        `The private half of signing key ${row.kid} does not open: SENTINEL_ENCRYPTION_KEY differs from the one it was encrypted with`,
        { cause: error },
      );
    }
    return importPKCS8(pem, row.alg);
  }
}
