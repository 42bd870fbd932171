import type { TypedApp } from '../../http/types.js';
import type { OverviewService } from './overview-service.js';
import { OverviewBody, OverviewQuery } from './schemas.js';

/** GET /operator/overview: the figures of the console's start page. */
export async function operatorOverviewRoutes(app: TypedApp, { overview }: { overview: OverviewService }): Promise<void> {
  app.get(
    '/operator/overview',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorOverview',
        tags: ['operator'],
        summary: 'Count users and apps, and logins per day',
        description:
          'Active, deleted and operator accounts, apps, and successful and failed logins (`login.succeeded`, `login.failed` in the audit log) per UTC day over the last `days` days, today included. Counting users scans them: at a million users this takes a fraction of a second, so call it for a page, not in a loop.',
        querystring: OverviewQuery,
        response: { 200: OverviewBody },
      },
    },
    async (request) => {
      const { counts, days } = await overview.overview(request.query.days ?? 14);
      return {
        users: { active: counts.active, deleted: counts.deleted, operators: counts.operators },
        apps: counts.apps,
        days: days.map((entry) => ({ day: entry.day, logins_succeeded: entry.succeeded, logins_failed: entry.failed })),
      };
    },
  );
}
