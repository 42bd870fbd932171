import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { queryRows } from '../../db/client.js';
import { apps, auditEvents, profiles, sessions, type AppRow } from '../../db/schema.js';

export type AppSummary = Pick<AppRow, 'id' | 'name' | 'description' | 'domains' | 'createdAt'>;

export interface ExportedProfile {
  id: string;
  appId: number;
  /** profile_data as JSON text. */
  data: string;
  version: number;
  seq: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Where one page of a list ended; the next page starts after it. */
export interface SessionKey {
  /** created_at as PostgreSQL prints it: exact to the microsecond, unlike a JavaScript Date. */
  at: string;
  id: string;
}

/**
 * Reads for GET /user/export, naming every column so no secret column (a refresh token hash)
 * can slip in. Lists come a page at a time, by keyset, so an export never holds them whole.
 */
export class ExportRepository {
  constructor(private readonly db: Executor) {}

  /** How many profiles the user has and the last one's seq: the export covers those, not later ones. */
  async profileExtent(userId: string): Promise<{ count: number; lastSeq: number }> {
    const [row] = await queryRows<{ count: number; lastSeq: number }>(
      this.db,
      sql`SELECT count(*)::int AS count, coalesce(max(seq), 0)::float8 AS "lastSeq" FROM profiles WHERE user_id = ${userId}`,
    );
    return row ?? { count: 0, lastSeq: 0 };
  }

  /**
   * profile_data comes as the text PostgreSQL prints, to be copied into the document without
   * parsing it. The page is chosen first from the index alone: ordering rows that carry the
   * data would convert every profile of the user to text on every page.
   */
  async profilesPage(userId: string, afterSeq: number, lastSeq: number, limit: number): Promise<ExportedProfile[]> {
    const page = this.db
      .select({ id: profiles.id, seq: profiles.seq })
      .from(profiles)
      .where(and(eq(profiles.userId, userId), gt(profiles.seq, afterSeq), lte(profiles.seq, lastSeq)))
      .orderBy(asc(profiles.seq))
      .limit(limit)
      .as('page');
    return this.db
      .select({
        id: profiles.id,
        appId: profiles.appId,
        data: sql<string>`${profiles.profileData}::text`,
        version: profiles.version,
        seq: page.seq,
        createdAt: profiles.createdAt,
        updatedAt: profiles.updatedAt,
      })
      .from(page)
      .innerJoin(profiles, eq(profiles.id, page.id))
      .orderBy(asc(page.seq));
  }

  async sessionsPage(userId: string, after: SessionKey | undefined, limit: number) {
    return this.db
      .select({
        id: sessions.id,
        appId: sessions.appId,
        createdAt: sessions.createdAt,
        at: sql<string>`${sessions.createdAt}::text`,
        lastRefreshedAt: sessions.lastRefreshedAt,
        refreshExpiresAt: sessions.refreshExpiresAt,
        revokedAt: sessions.revokedAt,
        revokedReason: sessions.revokedReason,
        ip: sessions.ip,
        userAgent: sessions.userAgent,
      })
      .from(sessions)
      .where(
        and(
          eq(sessions.userId, userId),
          after ? sql`(${sessions.createdAt}, ${sessions.id}) > (${after.at}::timestamptz, ${after.id}::uuid)` : undefined,
        ),
      )
      .orderBy(asc(sessions.createdAt), asc(sessions.id))
      .limit(limit);
  }

  /** Events about the user. Who else acted and the details stay with operators: they may name other people. */
  async securityEventsPage(userId: string, afterId: number, limit: number) {
    return this.db
      .select({
        id: auditEvents.id,
        action: auditEvents.action,
        occurredAt: auditEvents.occurredAt,
        appId: auditEvents.appId,
        ip: auditEvents.ip,
        userAgent: auditEvents.userAgent,
      })
      .from(auditEvents)
      .where(and(eq(auditEvents.targetUserId, userId), gt(auditEvents.id, afterId)))
      .orderBy(asc(auditEvents.id))
      .limit(limit);
  }

  /** The apps the user has profiles in. */
  async appsOfUser(userId: string): Promise<AppSummary[]> {
    return this.db
      .select({ id: apps.id, name: apps.name, description: apps.description, domains: apps.domains, createdAt: apps.createdAt })
      .from(apps)
      .where(sql`${apps.id} IN (SELECT DISTINCT app_id FROM profiles WHERE user_id = ${userId})`)
      .orderBy(asc(apps.id));
  }
}
