import { and, desc, eq, gt, gte, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { sessions, spentRefreshTokens, type SessionRow } from '../../db/schema.js';
import type { RevokedSessionSource } from './revocations.js';

export interface NewSession {
  userId: string;
  appId: number | null;
  refreshTokenHash: string;
  refreshExpiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

/**
 * Which live sessions to end: every one of a user's (but `except`), or the listed ones
 * (only if they are `userId`'s, when it is given too).
 */
export type SessionsToEnd =
  { userId: string; sessionIds?: string[]; except?: string } | { sessionIds: string[]; userId?: undefined; except?: undefined };

/** Why a session ended, as stored in sessions.revoked_reason and shown to operators. */
export type SessionEndReason =
  | 'logout'
  | 'refresh_token_reused'
  | 'password_changed'
  | 'password_reset'
  | 'user_deleted'
  | 'user_purged'
  | 'operator_role_removed'
  | 'operator_revoked'
  | 'otp_reset_by_operator';

export class SessionsRepository implements RevokedSessionSource {
  constructor(private readonly db: Executor) {}

  async insert(session: NewSession): Promise<SessionRow> {
    const [row] = await this.db.insert(sessions).values(session).returning();
    return row!;
  }

  async findById(id: string, executor: Executor = this.db): Promise<SessionRow | undefined> {
    const [row] = await executor.select().from(sessions).where(eq(sessions.id, id));
    return row;
  }

  /**
   * Swaps a live refresh token for a new one in one statement, so two requests racing with
   * the same token cannot both win; the old hash is kept to recognise a replay.
   */
  async rotateRefreshToken(oldHash: string, newHash: string, newExpiry: Date): Promise<SessionRow | undefined> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(sessions)
        .set({ refreshTokenHash: newHash, refreshExpiresAt: newExpiry, lastRefreshedAt: sql`now()` })
        .where(
          and(
            eq(sessions.refreshTokenHash, oldHash),
            isNull(sessions.revokedAt),
            isNull(sessions.refreshDisabledAt),
            gt(sessions.refreshExpiresAt, sql`now()`),
          ),
        )
        .returning();
      if (row) await tx.insert(spentRefreshTokens).values({ tokenHash: oldHash, sessionId: row.id });
      return row;
    });
  }

  async findSessionOfSpentToken(hash: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ sessionId: spentRefreshTokens.sessionId })
      .from(spentRefreshTokens)
      .where(eq(spentRefreshTokens.tokenHash, hash));
    return row?.sessionId;
  }

  /** Ends the live sessions `target` names, returning the ids ended (those already ended are left as they were). */
  async revoke(target: SessionsToEnd, reason: SessionEndReason, executor: Executor = this.db): Promise<string[]> {
    // Neither key would end every session in the database: refuse rather than guess.
    if (target.userId === undefined && target.sessionIds === undefined) throw new Error('revoke needs a userId or sessionIds');
    const rows = await executor
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(
        and(
          isNull(sessions.revokedAt),
          target.userId !== undefined ? eq(sessions.userId, target.userId) : undefined,
          target.sessionIds !== undefined ? inArray(sessions.id, target.sessionIds) : undefined,
          target.except !== undefined ? ne(sessions.id, target.except) : undefined,
        ),
      )
      .returning({ id: sessions.id });
    return rows.map((row) => row.id);
  }

  async disableRefresh(id: string): Promise<void> {
    await this.db
      .update(sessions)
      .set({ refreshDisabledAt: sql`now()` })
      .where(and(eq(sessions.id, id), isNull(sessions.refreshDisabledAt)));
  }

  async listOfUser(userId: string): Promise<SessionRow[]> {
    return this.db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.createdAt));
  }

  async revokedSince(since: Date): Promise<string[]> {
    const rows = await this.db.select({ id: sessions.id }).from(sessions).where(gte(sessions.revokedAt, since));
    return rows.map((row) => row.id);
  }
}
