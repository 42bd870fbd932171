import { and, asc, desc, eq, gt, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { likePrefix } from '../../db/like.js';
import { auditEvents, type AuditEventRow } from '../../db/schema.js';

export interface AuditFilter {
  actor?: string | undefined;
  target?: string | undefined;
  /** Actor or target. */
  user?: string | undefined;
  /** Exact actions, or prefixes written `login.*`. Any of them matches. */
  actions?: string[] | undefined;
  appId?: number | undefined;
  /** Inclusive, RFC 3339. */
  from?: string | undefined;
  /** Exclusive, RFC 3339. */
  to?: string | undefined;
}

function actionMatches(action: string): SQL {
  return action.endsWith('*') ? sql`${auditEvents.action} LIKE ${likePrefix(action.slice(0, -1))}` : eq(auditEvents.action, action);
}

function conditionsOf(filter: AuditFilter): (SQL | undefined)[] {
  return [
    filter.actor ? eq(auditEvents.actorUserId, filter.actor) : undefined,
    filter.target ? eq(auditEvents.targetUserId, filter.target) : undefined,
    filter.user ? or(eq(auditEvents.actorUserId, filter.user), eq(auditEvents.targetUserId, filter.user)) : undefined,
    filter.actions && filter.actions.length > 0 ? or(...filter.actions.map(actionMatches)) : undefined,
    filter.appId !== undefined ? eq(auditEvents.appId, filter.appId) : undefined,
    filter.from ? gte(auditEvents.occurredAt, sql`${filter.from}::timestamptz`) : undefined,
    filter.to ? lt(auditEvents.occurredAt, sql`${filter.to}::timestamptz`) : undefined,
  ];
}

/** Reads the audit trail. Ids grow with every event, so they order it and page it. */
export class AuditRepository {
  constructor(private readonly db: Executor) {}

  /** Newest first, ids below `beforeId`. */
  async list(filter: AuditFilter, limit: number, beforeId?: number): Promise<AuditEventRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(...conditionsOf(filter), beforeId !== undefined ? lt(auditEvents.id, beforeId) : undefined))
      .orderBy(desc(auditEvents.id))
      .limit(limit);
  }

  /** Oldest first, ids above `afterId`: what `audit tail --follow` has not printed yet. */
  async since(filter: AuditFilter, afterId: number, limit: number): Promise<AuditEventRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(...conditionsOf(filter), gt(auditEvents.id, afterId)))
      .orderBy(asc(auditEvents.id))
      .limit(limit);
  }
}
