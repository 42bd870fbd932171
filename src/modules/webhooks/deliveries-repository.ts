import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/client.js';

/** A delivery claimed for one attempt, with what is needed to send it. */
export interface ClaimedDelivery {
  id: number;
  eventId: string;
  payload: string;
  attempts: number;
  giveUpAt: Date;
  url: string;
  secretSealed: string;
  webhookId: string;
}

/** What one attempt came to. */
export interface AttemptOutcome {
  at: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  /** Delivered (2xx), or when to try again; null gives up (marks the delivery failed). */
  next: 'delivered' | Date | null;
}

/** The dispatcher's SQL: claiming due deliveries, recording attempts, the backlog. */
export class DeliveriesRepository {
  constructor(private readonly db: Executor) {}

  /**
   * Claims up to `limit` due deliveries of enabled webhooks: rows another server is claiming
   * are skipped, and each claimed row's due time moves to `leaseUntil`, so no other server
   * takes it while this one sends. A server that dies mid-send leaves it due again then.
   */
  async claim(limit: number, now: Date, leaseUntil: Date): Promise<ClaimedDelivery[]> {
    const rows = await queryRows<Record<string, unknown>>(
      this.db,
      sql`
      WITH due AS (
        SELECT d.id FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= ${now.toISOString()}::timestamptz AND w.enabled
        ORDER BY d.next_attempt_at
        LIMIT ${limit}
        FOR UPDATE OF d SKIP LOCKED
      ), claimed AS (
        UPDATE webhook_deliveries d SET next_attempt_at = ${leaseUntil.toISOString()}::timestamptz
        FROM due WHERE d.id = due.id
        RETURNING d.id, d.event_id, d.payload, d.attempts, d.give_up_at, d.webhook_id
      )
      SELECT c.*, w.url, w.secret_sealed FROM claimed c JOIN webhooks w ON w.id = c.webhook_id`,
    );
    return rows.map((row) => ({
      id: Number(row.id),
      eventId: String(row.event_id),
      payload: String(row.payload),
      attempts: Number(row.attempts),
      giveUpAt: new Date(row.give_up_at as string),
      url: String(row.url),
      secretSealed: String(row.secret_sealed),
      webhookId: String(row.webhook_id),
    }));
  }

  /** Stores the attempt and the delivery's new state in one statement. */
  async record(id: number, outcome: AttemptOutcome): Promise<void> {
    const at = outcome.at.toISOString();
    const status = outcome.next === 'delivered' ? 'delivered' : outcome.next === null ? 'failed' : 'pending';
    const nextAt = outcome.next instanceof Date ? outcome.next.toISOString() : at;
    // Recording the same attempt twice (a retry after its answer was lost) changes nothing:
    // an attempt is known by its start time, which the delivery keeps as last_attempt_at.
    await this.db.execute(sql`
      WITH updated AS (
        UPDATE webhook_deliveries SET
          status = ${status},
          attempts = attempts + 1,
          next_attempt_at = ${nextAt}::timestamptz,
          last_attempt_at = ${at}::timestamptz,
          last_status_code = ${outcome.statusCode},
          last_error = ${outcome.error},
          delivered_at = CASE WHEN ${status} = 'delivered' THEN ${at}::timestamptz ELSE delivered_at END
        WHERE id = ${id} AND last_attempt_at IS DISTINCT FROM ${at}::timestamptz
        RETURNING id
      )
      INSERT INTO webhook_attempts (delivery_id, attempted_at, duration_ms, status_code, error)
      SELECT id, ${at}::timestamptz, ${outcome.durationMs}::int, ${outcome.statusCode}::int, ${outcome.error}::text FROM updated`);
  }

  /** When the earliest pending delivery of an enabled webhook is due; undefined when none is. */
  async nextDue(): Promise<Date | undefined> {
    const [row] = await queryRows<{ at: Date | string | null }>(
      this.db,
      sql`SELECT min(d.next_attempt_at) AS at FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id
          WHERE d.status = 'pending' AND w.enabled`,
    );
    const at = row?.at;
    return at ? new Date(at) : undefined;
  }

  /** Removes delivered and failed deliveries (with their attempts) created before `before`. */
  async deleteFinishedBefore(before: Date): Promise<void> {
    await this.db.execute(
      sql`DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < ${before.toISOString()}::timestamptz`,
    );
  }

  /** Deliveries not yet delivered nor given up, for the metrics. */
  async backlog(): Promise<number> {
    const [row] = await queryRows<{ n: number }>(this.db, sql`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status = 'pending'`);
    return Number(row?.n ?? 0);
  }
}
