import { eq, inArray, lte } from 'drizzle-orm';
import type { Database, Executor, PreparedStatement } from '../../db/client.js';
import { attemptCounters } from '../../db/schema.js';

/** An attempt counted against a key: give it back with AttemptCounters.giveBack. */
export interface Reservation {
  key: string;
  windowEndsAt: Date;
}

export type ReserveResult = { reserved: true; reservation: Reservation } | { reserved: false; windowEndsAt: Date };

/** Ended rows deleted per prune: bounded, so one request never pays for a long backlog. */
const PRUNE_BATCH = 5000;
/** How often one process prunes, on the next reservation after this long. */
const PRUNE_EVERY_MS = 60_000;

/**
 * Counts one attempt at $1 unless $4 are already counted in a window that has not ended at
 * $3; a window that has ended starts over, ending at $2. The conflicting row is locked and its
 * count re-read, so a burst queues up and no more than $4 succeed. No row back: refused.
 */
const RESERVE: PreparedStatement = {
  name: 'attempt_counters_reserve',
  text: `INSERT INTO attempt_counters AS c (key, count, window_ends_at) VALUES ($1, 1, $2)
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN c.window_ends_at <= $3 THEN 1 ELSE c.count + 1 END,
    window_ends_at = CASE WHEN c.window_ends_at <= $3 THEN excluded.window_ends_at ELSE c.window_ends_at END
  WHERE c.window_ends_at <= $3 OR c.count < $4
  RETURNING c.window_ends_at AS "windowEndsAt"`,
};

const GIVE_BACK: PreparedStatement = {
  name: 'attempt_counters_give_back',
  text: 'UPDATE attempt_counters SET count = count - 1 WHERE key = $1 AND window_ends_at = $2 AND count > 0',
};

/**
 * SQL for attempt_counters: one row per key, a count and the end of its fixed window.
 * Every change is one statement, so the count is exact under concurrent requests and
 * across processes on one database.
 */
export class AttemptCounters {
  private nextPruneAt = 0;

  /**
   * `onPruneError`: a failed clean-up is reported, never the reservation's failure. A
   * reservation and its release run straight through the driver (`driver`): with the lockout
   * on, every login makes both.
   */
  constructor(
    private readonly db: Executor,
    private readonly driver: Pick<Database, 'prepared'>,
    private readonly onPruneError: (error: unknown) => void = () => {},
  ) {}

  /**
   * Counts one attempt unless `max` are already counted in the current window, in one
   * statement (RESERVE). A window that has ended starts over at this attempt.
   */
  async reserve(key: string, max: number, windowSeconds: number, now: Date): Promise<ReserveResult> {
    await this.pruneIfDue(now);
    const windowEndsAt = new Date(now.getTime() + windowSeconds * 1000);
    const [row] = await this.driver.prepared<{ windowEndsAt: Date }>(RESERVE, [key, windowEndsAt, now, max]);
    if (row) return { reserved: true, reservation: { key, windowEndsAt: row.windowEndsAt } };
    const [full] = await this.db
      .select({ windowEndsAt: attemptCounters.windowEndsAt })
      .from(attemptCounters)
      .where(eq(attemptCounters.key, key));
    // Pruned in between: the window had just ended.
    return { reserved: false, windowEndsAt: full?.windowEndsAt ?? now };
  }

  /** Uncounts one reserved attempt, unless its window has ended since (a new window owes it nothing). */
  async giveBack(reservation: Reservation): Promise<void> {
    await this.driver.prepared(GIVE_BACK, [reservation.key, reservation.windowEndsAt]);
  }

  /** Deletes up to PRUNE_BATCH rows whose window ended before `now`; such a row counts as no row. */
  async pruneEnded(now: Date): Promise<number> {
    const ended = this.db
      .select({ key: attemptCounters.key })
      .from(attemptCounters)
      .where(lte(attemptCounters.windowEndsAt, now))
      .limit(PRUNE_BATCH)
      // Two processes pruning at once take different rows instead of deadlocking.
      .for('update', { skipLocked: true });
    const rows = await this.db.delete(attemptCounters).where(inArray(attemptCounters.key, ended)).returning({ key: attemptCounters.key });
    return rows.length;
  }

  /** Ended windows are pruned from the reservations themselves, so no process has to run a timer. */
  private async pruneIfDue(now: Date): Promise<void> {
    if (now.getTime() < this.nextPruneAt) return;
    this.nextPruneAt = now.getTime() + PRUNE_EVERY_MS;
    await this.pruneEnded(now).catch(this.onPruneError);
  }
}
