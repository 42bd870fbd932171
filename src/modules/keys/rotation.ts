import type { Clock } from '../../clock.js';
import type { Executor } from '../../db/client.js';
import type { SigningKeyRow } from '../../db/schema.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { generateSigningKey, HS256_KID, type KeyPairAlgorithm, type TokenAlgorithm } from './algorithms.js';
import { KeyErrors } from './errors.js';
import type { SigningKeysRepository } from './keys-repository.js';

export const KEY_ROTATED = 'signing_key.rotated';

/** Who asked for a change of signer: an operator through the API or the command line, or a start with another algorithm. */
export interface KeyChangeCause {
  actorUserId: string | null;
  context: RequestContext | undefined;
}

export interface KeyRotationDeps {
  repository: SigningKeysRepository;
  audit: AuditLog;
  box: SecretBox;
  clock: Clock;
  /** How long a replaced key keeps verifying: at least the lifetime of the tokens it signed. */
  retireAfterSeconds: number;
  /** Called after a change is committed: reloads this process's keys and tells the others. */
  onChange(kid: string): Promise<void>;
}

type Reason = 'rotated' | 'algorithm_changed';

/** Changes of signer: a start with another SENTINEL_JWT_ALGORITHM, and rotations. */
export class KeyRotation {
  constructor(private readonly deps: KeyRotationDeps) {}

  /**
   * At start: makes `algorithm` the signer unless it already is. The key it replaces keeps
   * verifying the tokens it signed until they expire, so a switch logs nobody out.
   */
  async ensureAlgorithm(algorithm: TokenAlgorithm): Promise<void> {
    if ((await this.deps.repository.active())?.alg === algorithm) return;
    await this.replace(algorithm, 'algorithm_changed', { actorUserId: null, context: undefined }, (active) => active?.alg !== algorithm);
  }

  /**
   * A new key of the signer's algorithm signs from now on. On a database that has never had a
   * signer (the command line before any start), the first key is of `initialAlgorithm`.
   */
  async rotate(cause: KeyChangeCause, initialAlgorithm?: TokenAlgorithm): Promise<SigningKeyRow> {
    const algorithm = (await this.deps.repository.active())?.alg ?? initialAlgorithm;
    if (algorithm === undefined || algorithm === 'HS256') {
      throw KeyErrors.keyRotationUnavailable(
        'HS256 signs with one shared secret (SENTINEL_JWT_SECRET), not keys: set SENTINEL_JWT_ALGORITHM to EdDSA, ES256 or RS256 and restart',
      );
    }
    return (await this.replace(algorithm as KeyPairAlgorithm, 'rotated', cause, () => true))!;
  }

  private async replace(
    algorithm: TokenAlgorithm,
    reason: Reason,
    cause: KeyChangeCause,
    stillWanted: (active: SigningKeyRow | undefined) => boolean,
  ): Promise<SigningKeyRow | undefined> {
    const { repository, box, clock } = this.deps;
    // Outside the transaction: an RSA key takes a fraction of a second to make.
    const generated = algorithm === 'HS256' ? undefined : await generateSigningKey(algorithm);
    const now = clock();
    const retiresAt = new Date(now.getTime() + this.deps.retireAfterSeconds * 1000);
    const next = await repository.inRotation(async (tx) => {
      const active = await repository.active(tx);
      if (!stillWanted(active)) return undefined;
      if (active) await repository.supersede(tx, active.kid, now, retiresAt);
      else if (generated) await this.retireUnrecordedHs256(tx, now, retiresAt);
      const key = generated
        ? await repository.insert(tx, {
            kid: generated.kid,
            alg: generated.alg,
            publicJwk: generated.publicJwk,
            privateKeySealed: box.seal(generated.privatePem, generated.kid),
          })
        : await repository.activateHs256(tx);
      // The HS256 row appearing on a new installation changes nothing anyone could see.
      if (active || generated) {
        const detail = { kid: key.kid, alg: key.alg, previous_kid: active?.kid ?? HS256_KID, reason };
        await this.deps.audit.record({ action: KEY_ROTATED, actorUserId: cause.actorUserId, detail }, cause.context, tx);
      }
      return key;
    });
    if (next) await this.deps.onChange(next.kid);
    return next;
  }

  /** Installations older than this table signed with HS256: those tokens verify until they expire. */
  private async retireUnrecordedHs256(tx: Executor, now: Date, retiresAt: Date): Promise<void> {
    if (await this.deps.repository.byKid(HS256_KID, tx)) return;
    await this.deps.repository.insert(tx, {
      kid: HS256_KID,
      alg: 'HS256',
      publicJwk: null,
      privateKeySealed: null,
      supersededAt: now,
      retiresAt,
    });
  }
}
