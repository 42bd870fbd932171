import type { SigningKeyRow } from '../../db/schema.js';
import type { KeyRing, KeyStatus } from './key-ring.js';
import type { KeyChangeCause, KeyRotation } from './rotation.js';
import type { PublicJwk } from './schemas.js';

export type ListedKey = SigningKeyRow & { status: KeyStatus };

/** What operators and apps see of the signing keys. */
export class SigningKeyService {
  constructor(
    private readonly ring: KeyRing,
    private readonly rotation: KeyRotation,
  ) {}

  /** Every key ever used, newest first, read afresh so that a rotation by another process shows. */
  async list(): Promise<ListedKey[]> {
    await this.ring.reload();
    return this.ring.snapshot();
  }

  /**
   * The public keys that may have signed a token still unexpired: the signer first, then the
   * replaced keys until they retire. Read afresh, so an app that meets a new kid finds it here
   * whichever process it asks.
   */
  async jwks(): Promise<PublicJwk[]> {
    const keys = (await this.list()).filter((key) => key.publicJwk !== null && key.status !== 'retired');
    keys.sort((a, b) => Number(b.status === 'active') - Number(a.status === 'active'));
    return keys.map((key) => ({
      ...(key.publicJwk as Omit<PublicJwk, 'kid' | 'alg' | 'use'>),
      kid: key.kid,
      alg: key.alg,
      use: 'sig' as const,
    }));
  }

  async rotate(cause: KeyChangeCause): Promise<ListedKey> {
    const row = await this.rotation.rotate(cause);
    return { ...row, status: 'active' };
  }
}
