import { and, desc, eq, gt, gte, inArray, isNull, ne, sql } from 'drizzle-orm';
import { queryRows, type Database, type Executor, type PreparedStatement } from '../../db/client.js';
import { columnList } from '../../db/columns.js';
import { sessions, spentRefreshTokens, type SessionRow } from '../../db/schema.js';
import { LOGIN_SUCCEEDED } from '../audit/audit-log.js';
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

/** A session and its user, as a refresh finds them. */
export interface SessionOwnerRow {
  id: string;
  userId: string;
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

/**
 * A session and its `login.succeeded` event in one statement: both commit or neither does (a
 * connection lost between two statements used to leave sessions nobody saw open), and a login
 * pays one round trip and one commit for both. The event's app, address and agent are the
 * session's; its detail is $7 with the session's id added.
 */
const INSERT_SESSION_WITH_LOGIN_EVENT: PreparedStatement = {
  name: 'sessions_insert_with_login_event',
  text: `WITH inserted AS (
    INSERT INTO sessions (user_id, app_id, refresh_token_hash, refresh_expires_at, user_agent, ip)
    VALUES ($1, $2, $3, $4, $5, $6)
    RETURNING *
  ), audited AS (
    INSERT INTO audit_events (action, actor_user_id, target_user_id, app_id, ip, user_agent, detail)
    SELECT '${LOGIN_SUCCEEDED}', user_id, user_id, app_id, ip, user_agent, $7::jsonb || jsonb_build_object('session_id', id)
    FROM inserted
  )
  SELECT ${columnList(sessions)} FROM inserted`,
};

export class SessionsRepository implements RevokedSessionSource {
  constructor(
    private readonly db: Executor,
    private readonly driver: Pick<Database, 'prepared'>,
  ) {}

  /** Opens a session and records its login (see INSERT_SESSION_WITH_LOGIN_EVENT), straight through the driver. */
  async insertWithLoginEvent(session: NewSession, loginDetail: Record<string, unknown>): Promise<SessionRow> {
    const { userId, appId, refreshTokenHash, refreshExpiresAt, userAgent, ip } = session;
    const [row] = await this.driver.prepared<SessionRow>(INSERT_SESSION_WITH_LOGIN_EVENT, [
      userId,
      appId,
      refreshTokenHash,
      refreshExpiresAt,
      userAgent,
      ip,
      JSON.stringify(loginDetail),
    ]);
    return row!;
  }

  /** Opens a session in a transaction that commits what goes with it (its audit event, a webhook event). */
  async insert(session: NewSession, executor: Executor): Promise<SessionRow> {
    return (await executor.insert(sessions).values(session).returning())[0]!;
  }

  async ownerOf(id: string): Promise<SessionOwner | undefined> {
    const [row] = await this.db
      .select({ userId: sessions.userId, ended: sql<boolean>`${sessions.revokedAt} IS NOT NULL` })
      .from(sessions)
      .where(eq(sessions.id, id));
    return row;
  }

  async findById(id: string, executor: Executor = this.db): Promise<SessionRow | undefined> {
    const [row] = await executor.select().from(sessions).where(eq(sessions.id, id));
    return row;
  }

  /**
   * Swaps a live refresh token for its successor in one statement: atomic on its own (no
   * transaction, one round trip), and two requests racing with the same token cannot both win
   * (the loser finds the row changed under its lock and updates nothing). The spent hash is
   * kept, to recognise a replay. `now` is Sentinel's clock, which the grace window is measured in.
   */
  async rotateRefreshToken(oldHash: string, newHash: string, newExpiry: Date, now: Date): Promise<SessionOwnerRow | undefined> {
    const [row] = await queryRows<SessionOwnerRow>(
      this.db,
      sql`WITH rotated AS (
            UPDATE ${sessions} SET refresh_token_hash = ${newHash}, refresh_expires_at = ${newExpiry.toISOString()}, last_refreshed_at = ${now.toISOString()}
            WHERE refresh_token_hash = ${oldHash} AND revoked_at IS NULL AND refresh_disabled_at IS NULL AND refresh_expires_at > now()
            RETURNING id, user_id
          ), spent AS (
            INSERT INTO ${spentRefreshTokens} (token_hash, session_id) SELECT ${oldHash}, id FROM rotated
          )
          SELECT id, user_id AS "userId" FROM rotated`,
    );
    return row;
  }

  /** The live session whose current refresh token has this hash and was issued by a rotation after `since`. */
  async findRotatedSince(hash: string, since: Date): Promise<SessionOwnerRow | undefined> {
    const [row] = await this.db
      .select({ id: sessions.id, userId: sessions.userId })
      .from(sessions)
      .where(
        and(
          eq(sessions.refreshTokenHash, hash),
          gt(sessions.lastRefreshedAt, since),
          isNull(sessions.revokedAt),
          isNull(sessions.refreshDisabledAt),
          gt(sessions.refreshExpiresAt, sql`now()`),
        ),
      );
    return row;
  }

  async findSessionOfSpentToken(hash: string): Promise<string | undefined> {
    const [row] = await this.db
      .select({ sessionId: spentRefreshTokens.sessionId })
      .from(spentRefreshTokens)
      .where(eq(spentRefreshTokens.tokenHash, hash));
    return row?.sessionId;
  }

  /** Ends the live sessions `target` names, returning the ids ended (those already ended are left as they were). */
  async revoke(target: SessionsToEnd, reason: SessionEndReason, executor: Executor = this.db): Promise<{ id: string; userId: string }[]> {
    // Neither key would end every session in the database: refuse rather than guess.
    if (target.userId === undefined && target.sessionIds === undefined) throw new Error('revoke needs a userId or sessionIds');
    return executor
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
      .returning({ id: sessions.id, userId: sessions.userId });
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
