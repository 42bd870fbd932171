import { and, asc, eq, gt, isNull } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { appApiKeys, apps, type AppRow } from '../../db/schema.js';

export class AppsRepository {
  constructor(private readonly db: Executor) {}

  /** Apps in id order, `limit` at most, after `afterId`. */
  async list(limit: number, afterId = 0): Promise<AppRow[]> {
    return this.db.select().from(apps).where(gt(apps.id, afterId)).orderBy(asc(apps.id)).limit(limit);
  }

  /** The live key with this hash, if any. */
  async findKeyByHash(keyHash: string): Promise<{ id: string; appId: number } | undefined> {
    const [row] = await this.db
      .select({ id: appApiKeys.id, appId: appApiKeys.appId })
      .from(appApiKeys)
      .where(and(eq(appApiKeys.keyHash, keyHash), isNull(appApiKeys.revokedAt)));
    return row;
  }
}
