import { and, desc, eq, getTableColumns, not, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { sessions, type SessionRow } from '../../db/schema.js';
import { microsUtc, olderThan, type TimeKey } from './keyset.js';

/** A session row without its refresh token hash, which no answer may carry. */
export type SessionInfoRow = Omit<SessionRow, 'refreshTokenHash'> & { active: boolean };

export interface KeyedSession {
  session: SessionInfoRow;
  key: TimeKey;
}

/** Live: not revoked, and its refresh token not yet expired (database time, as refresh itself uses). */
const isActive = sql<boolean>`(${sessions.revokedAt} IS NULL AND ${sessions.refreshExpiresAt} > now())`;

/** Sessions as operators see them. The refresh token hash is never selected. */
export class SessionAdminRepository {
  constructor(private readonly db: Executor) {}

  /** A user's sessions, newest first. */
  async listOfUser(userId: string, active: boolean | undefined, limit: number, after?: TimeKey): Promise<KeyedSession[]> {
    const { refreshTokenHash: _hash, ...columns } = getTableColumns(sessions);
    const rows = await this.db
      .select({ ...columns, active: isActive, keyAt: microsUtc(sessions.createdAt) })
      .from(sessions)
      .where(
        and(
          eq(sessions.userId, userId),
          active === undefined ? undefined : active ? isActive : not(isActive),
          after ? olderThan(sessions.createdAt, sessions.id, after) : undefined,
        ),
      )
      .orderBy(desc(sessions.createdAt), desc(sessions.id))
      .limit(limit);
    return rows.map(({ keyAt, ...session }) => ({ session, key: { at: keyAt, id: session.id } }));
  }

  async exists(userId: string, sessionId: string, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)));
    return rows.length > 0;
  }
}
