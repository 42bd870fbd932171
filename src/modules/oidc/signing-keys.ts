import { createPrivateKey } from 'node:crypto';
import type { JWK } from 'jose';
import type { Db } from '../../db/client.js';
import { oidcSigningKeys } from '../../db/schema.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { generateSigningKey } from '../keys/algorithms.js';
import type { KeyRing } from '../keys/key-ring.js';

/** The one row of oidc_signing_keys: ID tokens need a key pair even while access tokens are HS256. */
const FALLBACK_ALG = 'RS256';

export interface ProviderKeys {
  /** Private JWKs, the signer first; the provider publishes their public halves at its jwks_uri. */
  keys: JWK[];
  /** The algorithm clients' ID tokens are signed with. */
  alg: string;
  /** Changes whenever the set does: the provider is rebuilt then. */
  version: string;
}

export interface OidcKeySourceDeps {
  db: Db;
  ring: Pick<KeyRing, 'snapshot'>;
  /** Opens the ring's sealed private keys (purpose `signing-key`, context the kid). */
  ringBox: SecretBox;
  /** Seals the fallback key (its own purpose). */
  ownBox: SecretBox;
}

/**
 * The keys that sign ID tokens. With SENTINEL_JWT_ALGORITHM EdDSA, ES256 or RS256 they are the
 * signing-keys ring's: the signer and the replaced keys not yet retired, so the provider's JWKS
 * is /.well-known/jwks.json's and a rotation reaches ID tokens too. With HS256 (a shared secret
 * no relying party may hold) one RS256 key pair of this module's own signs them, made once per
 * database and kept sealed; /.well-known/jwks.json stays empty then, as the contract says.
 */
export class OidcKeySource {
  private fallback: Promise<JWK> | undefined;
  private readonly opened = new Map<string, JWK>();

  constructor(private readonly deps: OidcKeySourceDeps) {}

  async current(): Promise<ProviderKeys> {
    const rows = this.deps.ring.snapshot().filter((row) => row.alg !== 'HS256' && row.privateKeySealed && row.status !== 'retired');
    rows.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'));
    if (rows.length === 0 || rows[0]!.status !== 'active') {
      const key = await (this.fallback ??= this.loadFallback().catch((error: unknown) => {
        this.fallback = undefined;
        throw error;
      }));
      return { keys: [key], alg: FALLBACK_ALG, version: `fallback:${key.kid}` };
    }
    const keys = rows.map((row) => this.open(row.kid, row.alg, this.deps.ringBox.open(row.privateKeySealed!, row.kid)));
    return { keys, alg: rows[0]!.alg, version: rows.map((row) => row.kid).join(',') };
  }

  private open(kid: string, alg: string, pem: string): JWK {
    let jwk = this.opened.get(kid);
    if (!jwk) {
      jwk = { ...(createPrivateKey(pem).export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
      this.opened.set(kid, jwk);
    }
    return jwk;
  }

  private async loadFallback(): Promise<JWK> {
    const { db, ownBox } = this.deps;
    let [row] = await db.select().from(oidcSigningKeys).orderBy(oidcSigningKeys.createdAt, oidcSigningKeys.kid).limit(1);
    if (!row) {
      const generated = await generateSigningKey(FALLBACK_ALG);
      // Two processes starting together: the first insert wins and both read it back.
      await db
        .insert(oidcSigningKeys)
        .values({
          kid: generated.kid,
          alg: FALLBACK_ALG,
          publicJwk: generated.publicJwk,
          privateKeySealed: ownBox.seal(generated.privatePem, generated.kid),
        })
        .onConflictDoNothing();
      [row] = await db.select().from(oidcSigningKeys).orderBy(oidcSigningKeys.createdAt, oidcSigningKeys.kid).limit(1);
    }
    const stored = row!;
    return this.open(stored.kid, stored.alg, ownBox.open(stored.privateKeySealed, stored.kid));
  }
}
