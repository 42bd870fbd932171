import { page, readPage } from '../../http/pagination.js';
import type { TypedApp } from '../../http/types.js';
import type { AuditRepository } from './audit-repository.js';
import { AuditListBody, AuditQuery, toAuditEvent, assertReadableInstants } from './schemas.js';

export async function auditRoutes(app: TypedApp, { auditEvents }: { auditEvents: AuditRepository }): Promise<void> {
  app.get(
    '/operator/audit',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorListAuditEvents',
        tags: ['operator'],
        summary: 'Read the audit log, newest first',
        description: [
          'Security events: registrations, logins (and failures, with `detail.reason`), logouts, refresh-token reuse, password changes and resets,',
          'TOTP changes, app and key changes, profile writes by operators and every operator action. Filters combine with AND;',
          'repeat `action` to match any of several, and end one with `*` to match a prefix (`action=operator.*`). The log is append-only.',
        ].join(' '),
        querystring: AuditQuery,
        response: { 200: AuditListBody },
      },
    },
    async (request) => {
      const { actor, target, user, action, app_id, from, to } = request.query;
      const { limit, after: [beforeId] = [] } = readPage(request.query, ['number']);
      assertReadableInstants({ from, to });
      const rows = await auditEvents.list({ actor, target, user, actions: action, appId: app_id, from, to }, limit + 1, beforeId);
      const { items, nextCursor } = page(rows, limit, (row) => [row.id]);
      return { events: items.map(toAuditEvent), next_cursor: nextCursor };
    },
  );
}
