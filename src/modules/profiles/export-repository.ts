import { asc, eq, inArray } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { apps, auditEvents, sessions, type AppRow } from '../../db/schema.js';

export type AppSummary = Pick<AppRow, 'id' | 'name' | 'description' | 'domains' | 'createdAt'>;

/** Reads for GET /user/export, naming every column so no secret column (a refresh token hash) can slip in. */
export class ExportRepository {
  constructor(private readonly db: Executor) {}

  async sessionsOf(userId: string) {
    return this.db
      .select({
        id: sessions.id,
        appId: sessions.appId,
        createdAt: sessions.createdAt,
        lastRefreshedAt: sessions.lastRefreshedAt,
        refreshExpiresAt: sessions.refreshExpiresAt,
        revokedAt: sessions.revokedAt,
        revokedReason: sessions.revokedReason,
        ip: sessions.ip,
        userAgent: sessions.userAgent,
      })
      .from(sessions)
      .where(eq(sessions.userId, userId))
      .orderBy(asc(sessions.createdAt), asc(sessions.id));
  }

  /** Events about the user. Who else acted and the details stay with operators: they may name other people. */
  async securityEventsOf(userId: string) {
    return this.db
      .select({
        action: auditEvents.action,
        occurredAt: auditEvents.occurredAt,
        appId: auditEvents.appId,
        ip: auditEvents.ip,
        userAgent: auditEvents.userAgent,
      })
      .from(auditEvents)
      .where(eq(auditEvents.targetUserId, userId))
      .orderBy(asc(auditEvents.id));
  }

  async appsByIds(ids: readonly number[]): Promise<AppSummary[]> {
    if (ids.length === 0) return [];
    return this.db
      .select({ id: apps.id, name: apps.name, description: apps.description, domains: apps.domains, createdAt: apps.createdAt })
      .from(apps)
      .where(inArray(apps.id, [...ids]))
      .orderBy(asc(apps.id));
  }
}
