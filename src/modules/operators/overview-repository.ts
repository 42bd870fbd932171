import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../db/client.js';

export interface AccountCounts {
  active: number;
  deleted: number;
  operators: number;
  apps: number;
}

export interface DailyLogins {
  /** The UTC day, YYYY-MM-DD. */
  day: string;
  succeeded: number;
  failed: number;
}

/** The figures of the console's overview: counts of accounts and apps, logins per day from the audit log. */
export class OverviewRepository {
  constructor(private readonly db: Db) {}

  /** One scan of users (an index-only count on PostgreSQL once vacuumed); apps are few. */
  async counts(): Promise<AccountCounts> {
    const [row] = await queryRows<{ active: string; deleted: string; operators: string; apps: string }>(
      this.db,
      sql`SELECT count(*) FILTER (WHERE deleted_at IS NULL) AS active,
                 count(*) FILTER (WHERE deleted_at IS NOT NULL) AS deleted,
                 count(*) FILTER (WHERE operator AND deleted_at IS NULL) AS operators,
                 (SELECT count(*) FROM apps) AS apps
            FROM users`,
    );
    return { active: Number(row!.active), deleted: Number(row!.deleted), operators: Number(row!.operators), apps: Number(row!.apps) };
  }

  /** Logins per UTC day since `from`, read through the audit log's action index. Days without any are absent. */
  async loginsByDay(from: Date): Promise<DailyLogins[]> {
    const rows = await queryRows<{ day: string; succeeded: string; failed: string }>(
      this.db,
      sql`SELECT to_char(date_trunc('day', occurred_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day,
                 count(*) FILTER (WHERE action = 'login.succeeded') AS succeeded,
                 count(*) FILTER (WHERE action = 'login.failed') AS failed
            FROM audit_events
           WHERE action IN ('login.succeeded', 'login.failed') AND occurred_at >= ${from.toISOString()}
           GROUP BY 1`,
    );
    return rows.map((row) => ({ day: row.day, succeeded: Number(row.succeeded), failed: Number(row.failed) }));
  }
}
