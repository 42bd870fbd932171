import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/client.js';
import type { FieldError } from '../../http/errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DataValidator, ProfileDataSchemas } from '../apps/profile-schemas.js';
import { ProfileErrors } from './errors.js';
import { serializeProfileData } from './json-limits.js';
import type { ProfileQuota } from './limits.js';
import type { BulkRow, ProfilesRepository } from './profiles-repository.js';
import type { EventSink } from '../webhooks/events.js';

export interface BulkItem {
  app_id: number;
  user_id: string;
  profile_data: unknown;
}

export interface BulkServiceDeps {
  db: Db;
  profiles: ProfilesRepository;
  apps: Pick<AppsRepository, 'schemaStatesOf'>;
  schemas: Pick<ProfileDataSchemas, 'validatorFor'>;
  audit: AuditLog;
  quota: ProfileQuota;
  profileMaxBytes: number;
  events: EventSink;
}

/** Rows per INSERT, and JSON bytes per INSERT: whichever is reached first closes a batch. */
const BATCH_ROWS = 5_000;
const BATCH_BYTES = 4 * 1024 * 1024;
/** Violations reported per item: one bad schema should not turn a 100,000-item answer into millions of lines. */
const ERRORS_PER_ITEM = 5;

/**
 * create-bulk: all or nothing. Every item is checked first (size, nesting, app, user, app
 * schema) with a handful of batched queries; any failure answers 422 naming each failing
 * item by index and nothing is written. Then the rows go in large multi-row INSERTs inside
 * one transaction.
 */
export class BulkProfileService {
  constructor(private readonly deps: BulkServiceDeps) {}

  async createMany(items: readonly BulkItem[], actorUserId: string, context: RequestContext): Promise<BulkRow[]> {
    const rows = await this.check(items);
    // A user purged or an app deleted between the check and the insert: 409 profiles_changed (src/constraint-errors.ts).
    await this.deps.db.transaction(async (tx) => {
      // Per-user limits are counted under the users' row locks, so they hold against concurrent writes.
      const overflows = await this.deps.quota.bulkOverflows(rows, tx);
      if (overflows.size > 0) throw refusal(overflows, rows.length);
      for (const batch of batches(rows)) await this.deps.profiles.insertBatch(batch, tx);
      const appIds = [...new Set(rows.map((row) => row.appId))];
      await this.deps.audit.record(
        {
          action: 'profile.bulk_created_by_operator',
          actorUserId,
          detail: { count: rows.length, users: new Set(rows.map((row) => row.userId)).size, app_ids: appIds.slice(0, 100) },
        },
        context,
        tx,
      );
      await this.deps.events.emit(tx, {
        type: 'profiles.bulk_created',
        appId: appIds.length === 1 ? appIds[0] : null,
        data: { count: rows.length, app_ids: appIds },
      });
    });
    return rows;
  }

  private async check(items: readonly BulkItem[]): Promise<BulkRow[]> {
    // Only failing items get an entry: a clean 100,000-item request allocates nothing here.
    const errors = new Map<number, FieldError[]>();
    const fail = (index: number, error: FieldError) => {
      const itemErrors = errors.get(index);
      if (itemErrors) itemErrors.push(error);
      else errors.set(index, [error]);
    };
    const rows: BulkRow[] = items.map((item, index) => {
      const serialized = serializeProfileData(item.profile_data, this.deps.profileMaxBytes);
      if ('problem' in serialized) fail(index, { path: `/profiles/${index}/profile_data`, message: serialized.problem.message });
      // PostgreSQL answers uuids in lowercase; compare and answer in that form.
      return {
        id: randomUUID(),
        userId: item.user_id.toLowerCase(),
        appId: item.app_id,
        data: 'text' in serialized ? serialized.text : '',
        bytes: 'text' in serialized ? serialized.bytes : 0,
      };
    });

    const appIds = [...new Set(rows.map((row) => row.appId))];
    const apps = new Map((await this.deps.apps.schemaStatesOf(appIds)).map((app) => [app.id, app]));
    const validators = new Map<number, DataValidator | undefined>();
    for (const app of apps.values()) validators.set(app.id, await this.deps.schemas.validatorFor(app));
    const users = await this.deps.profiles.activeUserIds([...new Set(rows.map((row) => row.userId))]);

    rows.forEach((row, index) => {
      if (!apps.has(row.appId)) fail(index, { path: `/profiles/${index}/app_id`, message: `no app with id ${row.appId}` });
      if (!users.has(row.userId)) fail(index, { path: `/profiles/${index}/user_id`, message: 'no such user, or the account is deleted' });
      const validate = validators.get(row.appId);
      if (validate && row.data !== '') {
        for (const error of validate(items[index]!.profile_data, `/profiles/${index}/profile_data`).slice(0, ERRORS_PER_ITEM))
          fail(index, error);
      }
    });

    if (errors.size > 0) throw refusal(errors, items.length);
    return rows;
  }
}

/** 422 naming each failing item (`errors` by item index), sorted by index. */
function refusal(errors: Map<number, FieldError[]>, total: number) {
  const failing = [...errors.entries()].sort(([a], [b]) => a - b).flatMap(([, itemErrors]) => itemErrors);
  const first = failing[0]!;
  return ProfileErrors.invalidProfiles(
    `${errors.size} of ${total} profiles cannot be created, so none was: ${first.path} ${first.message}`,
    failing,
  );
}

function* batches(rows: readonly BulkRow[]): Generator<BulkRow[]> {
  let batch: BulkRow[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (batch.length > 0 && (batch.length >= BATCH_ROWS || bytes + row.data.length > BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += row.data.length;
  }
  if (batch.length > 0) yield batch;
}
