import { and, count, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/client.js';
import { mailOutbox } from '../../db/schema.js';

export interface ClaimedMail {
  id: string;
  recipient: string;
  payload: string;
  attempts: number;
}

/** SQL for mail_outbox: rows are claimed with a lease, so a process that dies mid-send leaves them to another. */
export class OutboxRepository {
  constructor(private readonly db: Executor) {}

  async insert(mail: { id: string; recipient: string; payload: string; now: Date }, executor: Executor = this.db): Promise<void> {
    await executor.insert(mailOutbox).values({ id: mail.id, recipient: mail.recipient, payload: mail.payload, nextAttemptAt: mail.now });
  }

  /**
   * Claims up to `limit` due mails in one statement: rows another worker is claiming are
   * skipped (SKIP LOCKED), and each claimed row is pushed `leaseMs` ahead, so no other
   * worker takes it while this one sends; if this one dies, the lease runs out and it is sent again.
   */
  async claimDue(now: Date, leaseMs: number, limit: number): Promise<ClaimedMail[]> {
    const leaseEnds = new Date(now.getTime() + leaseMs);
    return queryRows<ClaimedMail>(
      this.db,
      sql`UPDATE mail_outbox SET attempts = attempts + 1, next_attempt_at = ${leaseEnds.toISOString()}
          WHERE id IN (
            SELECT id FROM mail_outbox
            WHERE failed_at IS NULL AND next_attempt_at <= ${now.toISOString()}
            ORDER BY next_attempt_at LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          RETURNING id, recipient, payload, attempts`,
    );
  }

  async delete(id: string): Promise<void> {
    await this.db.delete(mailOutbox).where(eq(mailOutbox.id, id));
  }

  async retryAt(id: string, at: Date, error: string): Promise<void> {
    await this.db.update(mailOutbox).set({ nextAttemptAt: at, lastError: error }).where(eq(mailOutbox.id, id));
  }

  async giveUp(id: string, at: Date, error: string): Promise<void> {
    await this.db.update(mailOutbox).set({ failedAt: at, lastError: error }).where(eq(mailOutbox.id, id));
  }

  /** Mails waiting to be sent, and mails given up: what an operator watches. */
  async backlog(): Promise<{ pending: number; failed: number }> {
    const [pending] = await this.db.select({ n: count() }).from(mailOutbox).where(isNull(mailOutbox.failedAt));
    const [failed] = await this.db
      .select({ n: count() })
      .from(mailOutbox)
      .where(and(isNotNull(mailOutbox.failedAt)));
    return { pending: pending?.n ?? 0, failed: failed?.n ?? 0 };
  }
}
