import type { Database, Executor, PreparedStatement } from '../../db/client.js';
import { auditEvents } from '../../db/schema.js';
import type { RequestContext } from '../../http/request-context.js';

/**
 * Every security event Sentinel records: `subject.verb`, past tense. Closed, so each
 * `audit.record(...)` is checked at compile time, and a rule that reads events back names
 * its action through a constant of this list rather than a string that could drift.
 */
export const AUDIT_ACTIONS = [
  'user.registered',
  'user.updated',
  'user.deleted',
  'user.purged',
  'user.data_exported',
  'login.succeeded',
  'login.failed',
  'login.otp_required',
  'session.logged_out',
  'session.refresh_disabled',
  'session.refresh_reused',
  'password.changed',
  'password.change_failed',
  'operator.user_created',
  'operator.user_updated',
  'operator.role_granted',
  'operator.role_revoked',
  'operator.password_reset',
  'operator.user_deleted',
  'operator.user_restored',
  'operator.user_purged',
  'operator.session_revoked',
  'operator.sessions_revoked',
  'otp.enrollment_started',
  'otp.enabled',
  'otp.confirm_failed',
  'otp.disabled',
  'otp.failed',
  'otp.recovery_code_used',
  'otp.recovery_codes_regenerated',
  'passkey.registered',
  'passkey.renamed',
  'passkey.deleted',
  'passkey.counter_regressed',
  'password.removed',
  'app.created',
  'app.updated',
  'app.deleted',
  'app.schema_set',
  'app.schema_cleared',
  'app.key_created',
  'app.key_revoked',
  'profile.created_by_operator',
  'profile.updated_by_operator',
  'profile.deleted_by_operator',
  'profile.bulk_created_by_operator',
  'users.imported',
  'users.import_batch',
  'signing_key.rotated',
  'instance.api_key_rotated',
  'instance.encryption_key_rotated',
  'webhook.created',
  'webhook.updated',
  'webhook.deleted',
  'webhook.delivery_retried',
  'password_reset.requested',
  'password_reset.completed',
  'email.verification_sent',
  'email.verified',
  'email.change_requested',
  'email.changed',
  'oidc_client.created',
  'oidc_client.deleted',
  'oidc.consent_granted',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** A wrong TOTP or recovery code, or a wrong password given as a TOTP proof (see docs/totp.md). */
export const OTP_FAILED = 'otp.failed' satisfies AuditAction;
/** A session opened by a login of any kind (password, second factor, passkey). */
export const LOGIN_SUCCEEDED = 'login.succeeded' satisfies AuditAction;
/** A wrong password or unknown login name at POST /auth/login. */
export const LOGIN_FAILED = 'login.failed' satisfies AuditAction;

export interface AuditEvent {
  action: AuditAction;
  actorUserId?: string | null;
  targetUserId?: string | null;
  /** Small and free of secrets: never a password, hash, token or OTP secret. */
  detail?: Record<string, unknown>;
}

const INSERT_EVENT: PreparedStatement = {
  name: 'audit_events_insert',
  text: `INSERT INTO audit_events (action, actor_user_id, target_user_id, app_id, ip, user_agent, detail)
  VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
};

/** Appends to the audit_events table (which refuses updates and deletes). */
export class AuditLog {
  constructor(
    private readonly db: Executor,
    private readonly driver: Pick<Database, 'prepared'>,
  ) {}

  /** In a transaction through Drizzle; otherwise (every failed login records one) straight through the driver. */
  async record(event: AuditEvent, context: RequestContext | undefined, executor?: Executor): Promise<void> {
    const row = rowOf(event, context);
    if (executor) {
      await executor.insert(auditEvents).values(row);
      return;
    }
    const { action, actorUserId, targetUserId, appId, ip, userAgent, detail } = row;
    await this.driver.prepared(INSERT_EVENT, [action, actorUserId, targetUserId, appId, ip, userAgent, JSON.stringify(detail)]);
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
