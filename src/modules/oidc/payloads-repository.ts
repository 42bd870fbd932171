import { and, eq, sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../db/client.js';
import { oidcLogins, oidcPayloads } from '../../db/schema.js';

export interface StoredPayload {
  payload: Record<string, unknown>;
  consumedAt: Date | null;
}

export interface PayloadRow {
  grantId?: string | undefined;
  uid?: string | undefined;
  userCode?: string | undefined;
  expiresAt?: Date | undefined;
}

/**
 * A row is alive while the Sentinel session behind its browser session is: a session, code
 * or token whose Sentinel session has ended (logout, an operator, a password reset) reads as
 * gone, in every process at once. Rows with no known login (interactions, grants) are alive.
 */
const ALIVE = sql`NOT EXISTS (
  SELECT 1 FROM ${oidcLogins} l JOIN sessions s ON s.id = l.session_id
  WHERE l.uid = COALESCE(p.payload->>'sessionUid', CASE WHEN p.model = 'Session' THEN p.uid END)
    AND s.revoked_at IS NOT NULL)`;

/** The SQL of the OpenID Connect provider's storage (oidc_payloads) and of its logins (oidc_logins). */
export class OidcPayloadsRepository {
  constructor(private readonly db: Db) {}

  async upsert(model: string, id: string, payload: Record<string, unknown>, row: PayloadRow): Promise<void> {
    const values = {
      model,
      id,
      payload,
      grantId: row.grantId ?? null,
      uid: row.uid ?? null,
      userCode: row.userCode ?? null,
      expiresAt: row.expiresAt ?? null,
    };
    await this.db
      .insert(oidcPayloads)
      .values(values)
      .onConflictDoUpdate({
        target: [oidcPayloads.model, oidcPayloads.id],
        set: { payload, grantId: values.grantId, uid: values.uid, userCode: values.userCode, expiresAt: values.expiresAt },
      });
  }

  /** By id, uid or user code; expired and ended rows read as gone. */
  async find(model: string, by: 'id' | 'uid' | 'user_code', value: string): Promise<StoredPayload | undefined> {
    const column = { id: sql`p.id`, uid: sql`p.uid`, user_code: sql`p.user_code` }[by];
    const [row] = await queryRows<{ payload: Record<string, unknown>; consumed_at: string | Date | null }>(
      this.db,
      sql`SELECT p.payload, p.consumed_at FROM ${oidcPayloads} p
          WHERE p.model = ${model} AND ${column} = ${value}
            AND (p.expires_at IS NULL OR p.expires_at > now()) AND ${ALIVE}
          LIMIT 1`,
    );
    if (!row) return undefined;
    return { payload: row.payload, consumedAt: row.consumed_at === null ? null : new Date(row.consumed_at) };
  }

  /** Marks the row consumed unless it already was: true for the one caller that consumed it. */
  async consume(model: string, id: string): Promise<boolean> {
    const rows = await this.db
      .update(oidcPayloads)
      .set({ consumedAt: sql`now()` })
      .where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.id, id), sql`${oidcPayloads.consumedAt} IS NULL`))
      .returning({ grantId: oidcPayloads.grantId });
    return rows.length === 1;
  }

  async grantIdOf(model: string, id: string): Promise<string | null | undefined> {
    const [row] = await this.db
      .select({ grantId: oidcPayloads.grantId })
      .from(oidcPayloads)
      .where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.id, id)));
    return row?.grantId;
  }

  /** Deletes the row; returns its uid (a browser session's, for its login). */
  async destroy(model: string, id: string): Promise<{ uid: string | null } | undefined> {
    const [row] = await this.db
      .delete(oidcPayloads)
      .where(and(eq(oidcPayloads.model, model), eq(oidcPayloads.id, id)))
      .returning({ uid: oidcPayloads.uid });
    return row;
  }

  /** Every code and token of a grant, whatever the model (a replayed code takes them all). */
  async revokeByGrantId(grantId: string): Promise<void> {
    await this.db.delete(oidcPayloads).where(eq(oidcPayloads.grantId, grantId));
  }

  /** The newest live grant of an account to a client: consent given once is remembered across logins. */
  async latestGrantId(accountId: string, clientId: string): Promise<string | undefined> {
    const [row] = await queryRows<{ id: string }>(
      this.db,
      sql`SELECT p.id FROM ${oidcPayloads} p
          WHERE p.model = 'Grant' AND p.payload->>'accountId' = ${accountId} AND p.payload->>'clientId' = ${clientId}
            AND (p.expires_at IS NULL OR p.expires_at > now())
          ORDER BY (p.payload->>'iat')::bigint DESC LIMIT 1`,
    );
    return row?.id;
  }

  /** Ties a browser session (by uid) to the Sentinel session its login opened; returns the one it replaces. */
  async link(uid: string, sessionId: string): Promise<string | undefined> {
    const [previous] = await this.db.select({ sessionId: oidcLogins.sessionId }).from(oidcLogins).where(eq(oidcLogins.uid, uid));
    await this.db
      .insert(oidcLogins)
      .values({ uid, sessionId })
      .onConflictDoUpdate({ target: oidcLogins.uid, set: { sessionId, createdAt: sql`now()` } });
    return previous && previous.sessionId !== sessionId ? previous.sessionId : undefined;
  }

  /** The live Sentinel session behind a browser session, if any. */
  async liveSessionOf(uid: string): Promise<string | undefined> {
    const [row] = await queryRows<{ session_id: string }>(
      this.db,
      sql`SELECT l.session_id FROM ${oidcLogins} l JOIN sessions s ON s.id = l.session_id
          WHERE l.uid = ${uid} AND s.revoked_at IS NULL`,
    );
    return row?.session_id;
  }

  async unlink(uid: string): Promise<string | undefined> {
    const [row] = await this.db.delete(oidcLogins).where(eq(oidcLogins.uid, uid)).returning({ sessionId: oidcLogins.sessionId });
    return row?.sessionId;
  }

  /** Rows expired a day ago or more: nothing reads them any more. */
  async purgeExpired(): Promise<void> {
    await this.db.delete(oidcPayloads).where(sql`${oidcPayloads.expiresAt} < now() - interval '1 day'`);
  }
}
