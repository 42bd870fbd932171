import { Type } from 'typebox';
import type { AuditEventRow } from '../../db/schema.js';
import { HttpErrors } from '../../http/errors.js';
import { AppId, NextCursor, Nullable, PageQuery, Timestamp, UserId } from '../../http/schemas.js';

const ActionPattern = Type.String({
  pattern: '^[a-z0-9_.]{1,64}\\*?$',
  description: 'An action such as `login.failed`, or a prefix ending in `*` such as `operator.*`',
  examples: ['login.failed'],
});

const Instant = (description: string, example: string) =>
  Type.String({
    format: 'date-time',
    description: `${description}: years 0001 to 9999, a time zone offset (Z or up to ±15:59), T or one space between date and time`,
    examples: [example],
  });

// ajv's date-time format, narrowed to what PostgreSQL's timestamptz reads (checked against both engines).
const READABLE_INSTANT = /^(\d{4})-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:(\d{2})(\.\d+)?(?:[Zz]|[+-](\d{2})(?::?\d{2})?)$/;

/**
 * Why PostgreSQL would refuse a date-time that ajv's `date-time` format accepted, or undefined.
 * ajv also takes year 0000, offsets up to ±23:59, a fraction on a leap second (`23:59:60.5Z`)
 * and any whitespace between date and time (tabs, Unicode spaces): each of those is a
 * PostgreSQL error, so it is refused here as a 400 instead.
 */
export function unreadableInstant(value: string): string | undefined {
  const match = READABLE_INSTANT.exec(value);
  if (!match) return 'must have T or one space between the date and the time';
  const [, year, seconds, fraction, offsetHours] = match;
  if (year === '0000') return 'is in year 0000, which PostgreSQL does not have (the earliest is 0001)';
  if (offsetHours !== undefined && Number(offsetHours) > 15) return 'has a time zone offset beyond ±15:59, which PostgreSQL refuses';
  if (seconds === '60' && fraction !== undefined && /[1-9]/.test(fraction)) return 'has a fraction on a leap second (:60)';
  return undefined;
}

/** 400 naming `from` or `to` when PostgreSQL could not read it. */
export function assertReadableInstants(range: { from?: string | undefined; to?: string | undefined }): void {
  for (const [name, value] of Object.entries(range)) {
    const problem = value === undefined ? undefined : unreadableInstant(value);
    if (problem) throw HttpErrors.validationFailed(`${name} ${problem}`, [{ path: `querystring/${name}`, message: problem }]);
  }
}

export const AuditQuery = Type.Object(
  {
    ...PageQuery,
    actor: Type.Optional({ ...UserId, description: 'Who acted' }),
    target: Type.Optional({ ...UserId, description: 'Whom it was done to' }),
    user: Type.Optional({ ...UserId, description: 'Actor or target' }),
    action: Type.Optional(Type.Array(ActionPattern, { maxItems: 20, description: 'Repeat to match any of several' })),
    app_id: Type.Optional(AppId),
    from: Type.Optional(Instant('At or after this time (RFC 3339)', '2026-11-27T00:00:00Z')),
    to: Type.Optional(Instant('Before this time (RFC 3339)', '2026-11-28T00:00:00Z')),
  },
  { additionalProperties: false },
);

export const AuditEventSchema = Type.Object(
  {
    event_id: Type.Integer({ description: 'Increases with every event' }),
    occurred_at: Timestamp(),
    action: Type.String({ examples: ['operator.user_deleted'] }),
    actor_user_id: Nullable({
      ...UserId,
      description: 'Who acted; null for a failed login by an unknown user, a system job, or a stolen token',
    }),
    target_user_id: Nullable({ ...UserId, description: 'Whom it was done to' }),
    app_id: Nullable(AppId),
    ip: Nullable(Type.String({ examples: ['203.0.113.7'] })),
    user_agent: Nullable(Type.String()),
    detail: Type.Object({}, { additionalProperties: true, description: 'Small, action-specific, never a secret' }),
  },
  { title: 'AuditEvent' },
);

export const AuditListBody = Type.Object(
  { events: Type.Array(AuditEventSchema), next_cursor: NextCursor },
  {
    description: 'One page of events, newest first',
    examples: [
      {
        events: [
          {
            event_id: 1042,
            occurred_at: '2026-11-27T09:30:00.000Z',
            action: 'operator.user_deleted',
            actor_user_id: '0f8e3c3a-2b1d-4d55-9a63-6a8e2f0c1b77',
            target_user_id: '72c9c71b-98dc-4606-826f-bb2784d68446',
            app_id: null,
            ip: '203.0.113.7',
            user_agent: 'curl/8.5.0',
            detail: { sessions_ended: 2 },
          },
        ],
        next_cursor: null,
      },
    ],
  },
);

export function toAuditEvent(row: AuditEventRow) {
  return {
    event_id: row.id,
    occurred_at: row.occurredAt.toISOString(),
    action: row.action,
    actor_user_id: row.actorUserId,
    target_user_id: row.targetUserId,
    app_id: row.appId,
    ip: row.ip,
    user_agent: row.userAgent,
    detail: (row.detail ?? {}) as Record<string, unknown>,
  };
}
