import { sql } from 'drizzle-orm';
import { queryRows } from '../../src/db/client.js';
import type { AuditAction } from '../../src/modules/audit/audit-log.js';
import type { TestApp } from './app.js';

/** The audit events of `action` done to `targetUserId`, oldest first, as stored. */
export function auditEventsOf(t: TestApp, action: AuditAction, targetUserId: string) {
  return queryRows<{ actor_user_id: string | null; target_user_id: string; detail: Record<string, unknown> }>(
    t.database.db,
    sql`SELECT actor_user_id, target_user_id, detail FROM audit_events WHERE action = ${action} AND target_user_id = ${targetUserId} ORDER BY id`,
  );
}
