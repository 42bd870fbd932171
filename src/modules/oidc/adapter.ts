import type { Adapter, AdapterPayload, errors } from 'oidc-provider';
import type { OidcPayloadsRepository } from './payloads-repository.js';

/** What the provider stores for a client: read from the app's OIDC client row, never written. */
export type FindClient = (clientId: string) => Promise<AdapterPayload | undefined>;

/** One purge of long-expired rows per this many writes, so the table does not grow for ever. */
const PURGE_EVERY_WRITES = 200;

/**
 * oidc-provider's storage on PostgreSQL/PGlite: one table, keyed by model and id. Clients
 * come from the apps' client rows. A code or refresh token is consumed by one conditional
 * UPDATE, so of two requests racing with the same code only one wins; the other finds it
 * spent and the tokens of its grant are revoked, as a replayed code's must be (RFC 6749 4.1.2).
 */
export function adapterClass(
  repository: OidcPayloadsRepository,
  findClient: FindClient,
  InvalidGrant: typeof errors.InvalidGrant,
): new (name: string) => Adapter {
  let writes = 0;
  return class PostgresAdapter implements Adapter {
    constructor(private readonly model: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
      if (this.model === 'Client') throw new Error('Clients are made by operators, not by the provider');
      await repository.upsert(this.model, id, payload as Record<string, unknown>, {
        grantId: payload.grantId,
        uid: payload.uid,
        userCode: payload.userCode,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : undefined,
      });
      writes += 1;
      if (writes % PURGE_EVERY_WRITES === 0) await repository.purgeExpired();
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.model === 'Client') return findClient(id);
      return withConsumed(await repository.find(this.model, 'id', id));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await repository.find(this.model, 'uid', uid));
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      return withConsumed(await repository.find(this.model, 'user_code', userCode));
    }

    async consume(id: string): Promise<void> {
      if (await repository.consume(this.model, id)) return;
      // Another request consumed it between the provider's read and now: a replay.
      const grantId = await repository.grantIdOf(this.model, id);
      if (grantId) await repository.revokeByGrantId(grantId);
      throw new InvalidGrant('grant request is invalid: already used');
    }

    async destroy(id: string): Promise<void> {
      await repository.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await repository.revokeByGrantId(grantId);
    }
  };
}

function withConsumed(stored: { payload: Record<string, unknown>; consumedAt: Date | null } | undefined): AdapterPayload | undefined {
  if (!stored) return undefined;
  const payload = stored.payload as AdapterPayload;
  return stored.consumedAt ? { ...payload, consumed: Math.floor(stored.consumedAt.getTime() / 1000) } : payload;
}
