import type { Clock } from '../../clock.js';
import type { Database } from '../../db/client.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { KeyRing as EncryptionKeys } from '../system/encryption-keys.js';
import { SecretBox } from '../../crypto/secret-box.js';
import type { TokenAlgorithm } from './algorithms.js';
import { KeyRing } from './key-ring.js';
import { SigningKeyService } from './key-service.js';
import { SigningKeysRepository } from './keys-repository.js';
import { KeyRotation } from './rotation.js';

/**
 * A replaced key verifies one token lifetime more, plus this: clocks of processes differ a
 * little, and a process may sign with the old key until it hears of the rotation.
 */
export const RETIREMENT_MARGIN_SECONDS = 60;

/** The encryption-at-rest purpose of sealed private keys (their context is the kid). */
export const SIGNING_KEY_PURPOSE = 'signing-key';

export interface KeyServiceDeps {
  /** SENTINEL_JWT_ALGORITHM: made the signer when the ring starts, unless it already is. */
  algorithm: TokenAlgorithm;
  database: Database;
  audit: AuditLog;
  clock: Clock;
  /** Master secrets for encryption at rest: private keys are sealed with a key derived from them. */
  encryptionKey: string | EncryptionKeys;
  hmacSecret: string;
  accessTokenTtlSeconds: number;
  pollMs: number;
  onBackgroundError(error: unknown): void;
}

export function createKeyServices(deps: KeyServiceDeps) {
  const repository = new SigningKeysRepository(deps.database.db);
  const box = new SecretBox(deps.encryptionKey, SIGNING_KEY_PURPOSE);
  const ring: KeyRing = new KeyRing({
    repository,
    prepare: () => rotation.ensureAlgorithm(deps.algorithm),
    database: deps.database,
    box,
    hmacSecret: deps.hmacSecret,
    clock: deps.clock,
    pollMs: deps.pollMs,
    onError: deps.onBackgroundError,
  });
  const rotation = new KeyRotation({
    repository,
    audit: deps.audit,
    box,
    clock: deps.clock,
    retireAfterSeconds: deps.accessTokenTtlSeconds + RETIREMENT_MARGIN_SECONDS,
    onChange: (kid) => ring.changed(kid),
  });
  return { ring, rotation, keys: new SigningKeyService(ring, rotation) };
}

export type KeyServices = ReturnType<typeof createKeyServices>;
