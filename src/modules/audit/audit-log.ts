import type { Executor } from '../../db/client.js';
import { auditEvents } from '../../db/schema.js';
import type { RequestContext } from '../../http/request-context.js';

/** Security events. Names are `subject.verb`, past tense. */
export type AuditAction =
  | 'user.registered'
  | 'user.updated'
  | 'user.deleted'
  | 'login.succeeded'
  | 'login.failed'
  | 'session.logged_out'
  | 'session.refresh_disabled'
  | 'session.refresh_reused'
  | 'password.changed'
  | 'password.change_failed'
  | 'user.purged'
  | 'operator.user_created'
  | 'operator.user_updated'
  | 'operator.role_granted'
  | 'operator.role_revoked'
  | 'operator.password_reset'
  | 'operator.user_deleted'
  | 'operator.user_restored'
  | 'operator.user_purged'
  | 'operator.session_revoked'
  | 'operator.sessions_revoked'
  | 'signing_key.rotated'
  | (string & {});

export interface AuditEvent {
  action: AuditAction;
  actorUserId?: string | null;
  targetUserId?: string | null;
  /** Small and free of secrets: never a password, hash, token or OTP secret. */
  detail?: Record<string, unknown>;
}

/** Appends to the audit_events table (which refuses updates and deletes). */
export class AuditLog {
  constructor(private readonly db: Executor) {}

  async record(event: AuditEvent, context: RequestContext | undefined, executor: Executor = this.db): Promise<void> {
    await executor.insert(auditEvents).values(rowOf(event, context));
  }

  /** Several events of one context in one statement (batch jobs). */
  async recordMany(events: AuditEvent[], context: RequestContext | undefined, executor: Executor = this.db): Promise<void> {
    if (events.length === 0) return;
    await executor.insert(auditEvents).values(events.map((event) => rowOf(event, context)));
  }
}

function rowOf(event: AuditEvent, context: RequestContext | undefined) {
  return {
    action: event.action,
    actorUserId: event.actorUserId ?? null,
    targetUserId: event.targetUserId ?? null,
    appId: context?.appId ?? null,
    ip: context?.ip ?? null,
    userAgent: context?.userAgent ?? null,
    detail: event.detail ?? {},
  };
}
