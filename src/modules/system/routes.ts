import { sql } from 'drizzle-orm';
import { Type } from 'typebox';
import type { Database } from '../../db/client.js';
import type { TypedApp } from '../../http/types.js';

export async function systemRoutes(app: TypedApp, { database }: { database: Database }): Promise<void> {
  app.get(
    '/health',
    {
      config: { auth: 'none' },
      schema: {
        operationId: 'health',
        tags: ['system'],
        summary: 'Liveness and readiness: answers 200 when the database answers',
        description: 'Needs no credentials. Answers with the database engine in use, or a problem when the database does not answer.',
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
}
