import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import type { Database } from '../../db/client.js';
import { sendProblem } from '../../http/error-handler.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import type { Readiness } from './readiness.js';
import { SystemErrors } from './errors.js';

const CheckSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('failed')], {
    description: '`degraded` still counts as ready: the process serves, with the shortcoming the message names',
  }),
  message: Type.Optional(Type.String()),
});

export async function systemRoutes(app: TypedApp, { database, readiness }: { database: Database; readiness: Readiness }): Promise<void> {
  app.get(
    '/health',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'health',
        tags: ['system'],
        summary: 'Liveness and readiness: answers 200 when the database answers',
        description: 'Kept for existing clients; new deployments probe `/healthz` and `/readyz`.',
        response: {
          200: Type.Object(
            { status: Type.Literal('ok'), database: Type.Union([Type.Literal('pglite'), Type.Literal('postgres')]) },
            { examples: [{ status: 'ok', database: 'postgres' }] },
          ),
        },
      },
    },
    async () => {
      await database.db.execute(sql`SELECT 1`);
      return { status: 'ok' as const, database: database.engine };
    },
  );

  app.get(
    '/healthz',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'liveness',
        tags: ['system'],
        summary: 'Liveness: 200 while the process serves',
        description: 'Touches nothing outside the process, so a database outage never gets the process restarted.',
        response: { 200: Type.Object({ status: Type.Literal('ok') }, { examples: [{ status: 'ok' }] }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'readiness',
        tags: ['system'],
        summary: 'Readiness: 200 when this process should get traffic',
        description:
          'Runs every readiness check (the database answers within 1 s and holds all migrations; others as configured). ' +
          'A `degraded` check still answers 200 and shows its message. After SIGTERM the answer is 503 while the process ' +
          'finishes its grace period (`SENTINEL_SHUTDOWN_GRACE`), so load balancers stop sending before it stops.',
        response: {
          200: Type.Object(
            { status: Type.Literal('ready'), checks: Type.Record(Type.String(), CheckSchema) },
            { examples: [{ status: 'ready', checks: { database: { status: 'ok' } } }] },
          ),
          503: { ...ProblemSchema, description: 'Not ready (`not_ready`); the problem also carries `checks`, as in the 200 answer' },
        },
      },
    },
    async (_request, reply) => {
      const { ready, checks } = await readiness.report();
      if (ready) return { status: 'ready' as const, checks };
      const failed = Object.entries(checks).filter(([, check]) => check.status === 'failed');
      return sendProblem(reply, SystemErrors.notReady(failed.map(([name, check]) => `${name}: ${check.message}`).join('; ')), { checks });
    },
  );
}
