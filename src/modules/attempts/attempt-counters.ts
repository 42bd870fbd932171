import { and, eq, gt, inArray, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
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
 * SQL for attempt_counters: one row per key, a count and the end of its fixed window.
 * Every change is one statement, so the count is exact under concurrent requests and
 * across processes on one database.
 */
export class AttemptCounters {
  private nextPruneAt = 0;

  /** `onPruneError`: a failed clean-up is reported, never the reservation's failure. */
  constructor(
    private readonly db: Executor,
    private readonly onPruneError: (error: unknown) => void = () => {},
  ) {}

  /**
   * Counts one attempt unless `max` are already counted in the current window, in one
   * statement: the conflicting row is locked and its count re-read, so a burst queues up
   * and no more than `max` succeed. A window that has ended starts over at this attempt.
   */
  async reserve(key: string, max: number, windowSeconds: number, now: Date): Promise<ReserveResult> {
    await this.pruneIfDue(now);
    const windowEndsAt = new Date(now.getTime() + windowSeconds * 1000);
    const ended = lte(attemptCounters.windowEndsAt, now);
    const [row] = await this.db
      .insert(attemptCounters)
      .values({ key, count: 1, windowEndsAt })
      .onConflictDoUpdate({
        target: attemptCounters.key,
        set: {
          count: sql`CASE WHEN ${ended} THEN 1 ELSE ${attemptCounters.count} + 1 END`,
          windowEndsAt: sql`CASE WHEN ${ended} THEN excluded.window_ends_at ELSE ${attemptCounters.windowEndsAt} END`,
        },
        setWhere: or(ended, sql`${attemptCounters.count} < ${max}`),
      })
      .returning({ windowEndsAt: attemptCounters.windowEndsAt });
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
    await this.db
      .update(attemptCounters)
      .set({ count: sql`${attemptCounters.count} - 1` })
      .where(
        and(
          eq(attemptCounters.key, reservation.key),
          eq(attemptCounters.windowEndsAt, reservation.windowEndsAt),
          gt(attemptCounters.count, 0),
        ),
      );
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
