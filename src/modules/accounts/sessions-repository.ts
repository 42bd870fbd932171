import { and, desc, eq, gt, gte, isNull, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { sessions, spentRefreshTokens, type SessionRow } from '../../db/schema.js';
import type { SessionOwner } from './access-checks.js';
import type { RevokedSessionSource } from './revocations.js';

export interface NewSession {
  userId: string;
  appId: number | null;
  refreshTokenHash: string;
  refreshExpiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

export class SessionsRepository implements RevokedSessionSource {
  constructor(private readonly db: Executor) {}

  async insert(session: NewSession): Promise<SessionRow> {
    const [row] = await this.db.insert(sessions).values(session).returning();
    return row!;
  }

  async ownerOf(id: string): Promise<SessionOwner | undefined> {
    const [row] = await this.db
      .select({ userId: sessions.userId, ended: sql<boolean>`${sessions.revokedAt} IS NOT NULL` })
      .from(sessions)
      .where(eq(sessions.id, id));
    return row;
  }

  async findById(id: string): Promise<SessionRow | undefined> {
    const [row] = await this.db.select().from(sessions).where(eq(sessions.id, id));
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

  /** Returns true when this call ended a live session. */
  async revoke(id: string, reason: string, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    return rows.length > 0;
  }

  /** Ends every live session of a user (but `keep`), returning the ids ended. */
  async revokeAllOfUser(userId: string, reason: string, keep?: string, executor: Executor = this.db): Promise<string[]> {
    const rows = await executor
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
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
