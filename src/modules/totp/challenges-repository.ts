import { and, eq, gt, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Executor } from '../../db/client.js';
import { otpChallenges } from '../../db/schema.js';

export interface NewChallenge {
  tokenHash: string;
  userId: string;
  appId: number | null;
  expiresAt: Date;
  userAgent: string | null;
  ip: string | null;
}

export interface ReservedAttempt {
  id: string;
  userId: string;
  /** Attempts counted so far, this one included. */
  attempts: number;
}

/** SQL for otp_challenges, the pending second step of a login. */
export class ChallengesRepository {
  constructor(private readonly db: Executor) {}

  async insert(challenge: NewChallenge): Promise<void> {
    await this.db.insert(otpChallenges).values(challenge);
  }

  /** Drops a user's expired and used challenges, so the table holds only live ones. */
  async deleteStale(userId: string, now: Date): Promise<void> {
    await this.db
      .delete(otpChallenges)
      .where(and(eq(otpChallenges.userId, userId), or(lte(otpChallenges.expiresAt, now), sql`${otpChallenges.consumedAt} IS NOT NULL`)));
  }

  /**
   * Counts one attempt against a live challenge, in one statement: the row lock makes a
   * concurrent burst queue up, and once `maxAttempts` are counted no statement matches.
   * Undefined when the token is unknown, expired, used, spent, or was issued to another app.
   */
  async reserveAttempt(tokenHash: string, appId: number | null, now: Date, maxAttempts: number): Promise<ReservedAttempt | undefined> {
    const [row] = await this.db
      .update(otpChallenges)
      .set({ attempts: sql`${otpChallenges.attempts} + 1` })
      .where(
        and(
          eq(otpChallenges.tokenHash, tokenHash),
          sql`${otpChallenges.appId} IS NOT DISTINCT FROM ${appId}`,
          isNull(otpChallenges.consumedAt),
          gt(otpChallenges.expiresAt, now),
          lt(otpChallenges.attempts, maxAttempts),
        ),
      )
      .returning({ id: otpChallenges.id, userId: otpChallenges.userId, attempts: otpChallenges.attempts });
    return row;
  }

  /** Marks the challenge used; false when a concurrent request got there first. */
  async consume(id: string, now: Date, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .update(otpChallenges)
      .set({ consumedAt: now })
      .where(and(eq(otpChallenges.id, id), isNull(otpChallenges.consumedAt)))
      .returning({ id: otpChallenges.id });
    return rows.length > 0;
  }

  async deleteOfUser(userId: string, executor: Executor = this.db): Promise<void> {
    await executor.delete(otpChallenges).where(eq(otpChallenges.userId, userId));
  }
}
