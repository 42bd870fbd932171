import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import type { TypedApp } from '../../http/types.js';
import type { Outcome, UserImportService } from './import-service.js';
import { ImportBody, ImportQuery, ImportResponse, MAX_IMPORT_ITEMS } from './schemas.js';

export interface ImportRoutesDeps {
  userImport: UserImportService;
  bulkBodyLimitBytes: number;
}

export async function importRoutes(app: TypedApp, { userImport, bulkBodyLimitBytes }: ImportRoutesDeps): Promise<void> {
  app.post(
    '/operator/users/import',
    {
      config: { auth: 'operator' },
      bodyLimit: bulkBodyLimitBytes,
      schema: {
        operationId: 'importUsers',
        tags: ['operator'],
        summary: 'Import users with their password hashes',
        description:
          `Creates up to ${MAX_IMPORT_ITEMS.toLocaleString('en')} users in one request, each item shaped like the body of POST /auth/register. ` +
          'Every item gets a result, in order: `created` with its `user_id`, or `skipped` with a `reason` (an email or username already taken, ' +
          'the same email or username as an earlier item, a hash that does not parse, an item that does not match the schema). ' +
          "Skipped items never fail the others. Imported hashes become argon2id at each user's first login. " +
          'With `?dry_run=true` nothing is written and ready items answer `would_create`. One audit event (`users.imported`) per request. ' +
          'For millions of users, `sentinel import FILE` is faster.',
        querystring: ImportQuery,
        body: ImportBody,
        response: { 200: ImportResponse },
      },
    },
    async (request) => {
      const dryRun = request.query.dry_run ?? false;
      const { counts, outcomes } = await userImport.importItems(
        request.body.users,
        { dryRun },
        principalOf(request).userId,
        contextOf(request),
      );
      return { dry_run: dryRun, ...counts, results: outcomes.map(toResult) };
    },
  );
}

function toResult(outcome: Outcome, index: number) {
  if (outcome.status === 'created') return { index, status: outcome.status, user_id: outcome.userId };
  if (outcome.status === 'would_create') return { index, status: outcome.status };
  const { reason, detail, errors } = outcome.skip;
  return { index, status: outcome.status, reason, detail, ...(errors ? { errors } : {}) };
}
