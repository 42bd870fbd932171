import { and, asc, count, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { passkeyChallenges, passkeys, users, type PasskeyRow } from '../../db/schema.js';

/** What `users.password_algorithm` holds for an account whose owner dropped the password: no password checks against it. */
export const NO_PASSWORD = 'none';

export interface NewChallenge {
  purpose: 'registration' | 'login';
  challenge: string;
  userId: string | null;
  sessionId: string | null;
  appId: number | null;
  expiresAt: Date;
}

export type NewPasskey = Pick<
  PasskeyRow,
  'userId' | 'credentialId' | 'publicKey' | 'signCount' | 'transports' | 'name' | 'aaguid' | 'backedUp'
>;

/** SQL for passkeys and their pending ceremonies (challenges). */
export class PasskeysRepository {
  constructor(private readonly db: Executor) {}

  /** Stores a challenge, and drops the expired and used ones of everybody (the table holds only live ones). */
  async insertChallenge(challenge: NewChallenge, now: Date): Promise<string> {
    await this.db
      .delete(passkeyChallenges)
      .where(or(lte(passkeyChallenges.expiresAt, now), sql`${passkeyChallenges.consumedAt} IS NOT NULL`));
    const [row] = await this.db.insert(passkeyChallenges).values(challenge).returning({ id: passkeyChallenges.id });
    return row!.id;
  }

  /**
   * Spends a login attempt's challenge, in one statement: of concurrent requests naming it,
   * exactly one gets it. Undefined when unknown, expired, used, issued to another app, or bound
   * elsewhere (`boundTo`: the OIDC interaction or the console it was issued for; null for the API's).
   */
  async consumeLoginChallenge(
    id: string,
    appId: number | null,
    boundTo: string | null,
    now: Date,
  ): Promise<{ challenge: string; userId: string | null } | undefined> {
    const [row] = await this.db
      .update(passkeyChallenges)
      .set({ consumedAt: now })
      .where(
        and(
          eq(passkeyChallenges.id, id),
          eq(passkeyChallenges.purpose, 'login'),
          sql`${passkeyChallenges.appId} IS NOT DISTINCT FROM ${appId}`,
          sql`${passkeyChallenges.sessionId} IS NOT DISTINCT FROM ${boundTo}`,
          isNull(passkeyChallenges.consumedAt),
          gt(passkeyChallenges.expiresAt, now),
        ),
      )
      .returning({ challenge: passkeyChallenges.challenge, userId: passkeyChallenges.userId });
    return row;
  }

  /** Spends a registration challenge of this session; false when there is none live (or a concurrent request got it). */
  async consumeRegistrationChallenge(challenge: string, userId: string, sessionId: string, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(passkeyChallenges)
      .set({ consumedAt: now })
      .where(
        and(
          eq(passkeyChallenges.challenge, challenge),
          eq(passkeyChallenges.purpose, 'registration'),
          eq(passkeyChallenges.userId, userId),
          eq(passkeyChallenges.sessionId, sessionId),
          isNull(passkeyChallenges.consumedAt),
          gt(passkeyChallenges.expiresAt, now),
        ),
      )
      .returning({ id: passkeyChallenges.id });
    return rows.length > 0;
  }

  async listOfUser(userId: string, executor: Executor = this.db): Promise<PasskeyRow[]> {
    return executor.select().from(passkeys).where(eq(passkeys.userId, userId)).orderBy(asc(passkeys.createdAt), asc(passkeys.id));
  }

  async countOfUser(userId: string, executor: Executor = this.db): Promise<number> {
    const [row] = await executor.select({ n: count() }).from(passkeys).where(eq(passkeys.userId, userId));
    return row?.n ?? 0;
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRow | undefined> {
    const [row] = await this.db.select().from(passkeys).where(eq(passkeys.credentialId, credentialId));
    return row;
  }

  async insert(passkey: NewPasskey): Promise<PasskeyRow> {
    const [row] = await this.db.insert(passkeys).values(passkey).returning();
    return row!;
  }

  async rename(userId: string, id: string, name: string): Promise<PasskeyRow | undefined> {
    const [row] = await this.db
      .update(passkeys)
      .set({ name })
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning();
    return row;
  }

  async delete(userId: string, id: string, executor: Executor = this.db): Promise<PasskeyRow | undefined> {
    const [row] = await executor
      .delete(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning();
    return row;
  }

  /**
   * Stores the counter of a verified assertion, only if it moved forward (or both are 0: an
   * authenticator without a counter). False when it did not: a cloned authenticator, or a
   * concurrent use of the same assertion.
   */
  async advanceCounter(id: string, newCount: number, now: Date): Promise<boolean> {
    const rows = await this.db
      .update(passkeys)
      .set({ signCount: newCount, lastUsedAt: now })
      .where(and(eq(passkeys.id, id), sql`(${passkeys.signCount} < ${newCount} OR (${passkeys.signCount} = 0 AND ${newCount} = 0))`))
      .returning({ id: passkeys.id });
    return rows.length > 0;
  }

  /**
   * Locks the active account's row until `executor` (a transaction) ends, so that two changes
   * to its ways in (deleting passkeys, dropping the password) run one after the other.
   * Undefined when there is no such active account.
   */
  async lockAccount(userId: string, executor: Executor): Promise<{ passwordSet: boolean } | undefined> {
    const [row] = await executor
      .select({ algorithm: users.passwordAlgorithm })
      .from(users)
      .where(and(eq(users.id, userId), isNull(users.deletedAt)))
      .for('update');
    return row && { passwordSet: row.algorithm !== NO_PASSWORD };
  }

  async unsetPassword(userId: string, executor: Executor): Promise<void> {
    await executor
      .update(users)
      .set({ passwordHash: '', passwordAlgorithm: NO_PASSWORD, passwordSalt: null, passwordSaltPosition: null, updatedAt: sql`now()` })
      .where(eq(users.id, userId));
  }
}
