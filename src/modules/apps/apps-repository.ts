import { and, asc, eq, gt, isNull, or, sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/client.js';
import { appApiKeys, apps, type AppRow } from '../../db/schema.js';
import type { ApiKeyRow } from './schemas.js';

export interface NewApp {
  name: string;
  description: string;
  domains: string[];
}

export type AppChanges = Partial<NewApp>;

/** What a profile write needs to know about its app: that it exists, and which schema version applies. */
export interface AppSchemaState {
  id: number;
  /** md5 of the schema's canonical jsonb text; null when the app has no schema. */
  schemaHash: string | null;
}

const keyColumns = {
  id: appApiKeys.id,
  appId: appApiKeys.appId,
  name: appApiKeys.name,
  keyPrefix: appApiKeys.keyPrefix,
  createdAt: appApiKeys.createdAt,
  lastUsedAt: appApiKeys.lastUsedAt,
  revokedAt: appApiKeys.revokedAt,
};

/** A key's last_used_at is refreshed at most this often, so authentication rarely writes. */
const LAST_USED_GRANULARITY = sql`interval '1 minute'`;

export class AppsRepository {
  constructor(private readonly db: Executor) {}

  /** Apps in id order, `limit` at most, after `afterId`. */
  async list(limit: number, afterId = 0): Promise<AppRow[]> {
    return this.db.select().from(apps).where(gt(apps.id, afterId)).orderBy(asc(apps.id)).limit(limit);
  }

  /** The live key with this hash, if any; notes when it was last used. */
  async findKeyByHash(keyHash: string): Promise<{ id: string; appId: number } | undefined> {
    const [row] = await this.db
      .select({
        id: appApiKeys.id,
        appId: appApiKeys.appId,
        stale: sql<boolean>`coalesce(${appApiKeys.lastUsedAt} < now() - ${LAST_USED_GRANULARITY}, true)`,
      })
      .from(appApiKeys)
      .where(and(eq(appApiKeys.keyHash, keyHash), isNull(appApiKeys.revokedAt)));
    if (!row) return undefined;
    if (row.stale) {
      await this.db
        .update(appApiKeys)
        .set({ lastUsedAt: sql`now()` })
        .where(
          and(
            eq(appApiKeys.id, row.id),
            or(isNull(appApiKeys.lastUsedAt), sql`${appApiKeys.lastUsedAt} < now() - ${LAST_USED_GRANULARITY}`),
          ),
        );
    }
    return { id: row.id, appId: row.appId };
  }

  async findById(id: number, executor: Executor = this.db): Promise<AppRow | undefined> {
    const [row] = await executor.select().from(apps).where(eq(apps.id, id));
    return row;
  }

  async insert(app: NewApp, executor: Executor = this.db): Promise<AppRow> {
    const [row] = await executor.insert(apps).values(app).returning();
    return row!;
  }

  async update(id: number, changes: AppChanges, executor: Executor = this.db): Promise<AppRow | undefined> {
    const [row] = await executor
      .update(apps)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(apps.id, id))
      .returning();
    return row;
  }

  /** Fails with a foreign key violation while profiles still reference the app. */
  async delete(id: number, executor: Executor = this.db): Promise<AppRow | undefined> {
    const [row] = await executor.delete(apps).where(eq(apps.id, id)).returning();
    return row;
  }

  async setSchema(id: number, schema: unknown, executor: Executor = this.db): Promise<AppRow | undefined> {
    // Through text, so a JSON value is stored as given (drizzle would turn a JS null into SQL NULL).
    const value = schema === null ? sql`NULL` : sql`${JSON.stringify(schema)}::jsonb`;
    const [row] = await executor
      .update(apps)
      .set({ profileSchema: value, updatedAt: sql`now()` })
      .where(eq(apps.id, id))
      .returning();
    return row;
  }

  async schemaStateOf(id: number, executor: Executor = this.db): Promise<AppSchemaState | undefined> {
    return (await this.schemaStatesOf([id], executor))[0];
  }

  async schemaStatesOf(ids: readonly number[], executor: Executor = this.db): Promise<AppSchemaState[]> {
    if (ids.length === 0) return [];
    return queryRows<AppSchemaState>(
      executor,
      sql`SELECT id, md5(profile_schema::text) AS "schemaHash" FROM apps WHERE id = ANY(${`{${ids.join(',')}}`}::int[])`,
    );
  }

  /** The app's schema with the hash it is cached under, read together so they always agree. */
  async loadSchema(id: number): Promise<{ schema: unknown; hash: string } | undefined> {
    const [row] = await queryRows<{ schema: unknown; hash: string | null }>(
      this.db,
      sql`SELECT profile_schema AS schema, md5(profile_schema::text) AS hash FROM apps WHERE id = ${id}`,
    );
    return row?.hash ? { schema: row.schema, hash: row.hash } : undefined;
  }

  async insertKey(
    key: { appId: number; name: string; keyHash: string; keyPrefix: string },
    executor: Executor = this.db,
  ): Promise<ApiKeyRow> {
    const [row] = await executor.insert(appApiKeys).values(key).returning(keyColumns);
    return row!;
  }

  /** An app's keys, oldest first, after the key `afterId` (compared in the database, at full timestamp precision). */
  async listKeys(appId: number, limit: number, afterId?: string): Promise<ApiKeyRow[]> {
    const position = afterId
      ? sql`(${appApiKeys.createdAt}, ${appApiKeys.id}) > (SELECT k.created_at, k.id FROM app_api_keys k WHERE k.id = ${afterId})`
      : undefined;
    return this.db
      .select(keyColumns)
      .from(appApiKeys)
      .where(and(eq(appApiKeys.appId, appId), position))
      .orderBy(asc(appApiKeys.createdAt), asc(appApiKeys.id))
      .limit(limit);
  }

  async findKey(appId: number, keyId: string, executor: Executor = this.db): Promise<ApiKeyRow | undefined> {
    const [row] = await executor
      .select(keyColumns)
      .from(appApiKeys)
      .where(and(eq(appApiKeys.appId, appId), eq(appApiKeys.id, keyId)));
    return row;
  }

  /** Returns the key if this call revoked it; undefined when it was unknown or already revoked. */
  async revokeKey(appId: number, keyId: string, executor: Executor = this.db): Promise<ApiKeyRow | undefined> {
    const [row] = await executor
      .update(appApiKeys)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(appApiKeys.appId, appId), eq(appApiKeys.id, keyId), isNull(appApiKeys.revokedAt)))
      .returning(keyColumns);
    return row;
  }
}
