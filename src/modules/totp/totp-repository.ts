import { and, eq, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/client.js';
import { otpRecoveryCodes, userTotp } from '../../db/schema.js';

export type TotpRow = typeof userTotp.$inferSelect;

/** SQL for user_totp and otp_recovery_codes. Every "once only" rule is one conditional statement. */
export class TotpRepository {
  constructor(private readonly db: Executor) {}

  async find(userId: string, executor: Executor = this.db): Promise<TotpRow | undefined> {
    const [row] = await executor.select().from(userTotp).where(eq(userTotp.userId, userId));
    return row;
  }

  /** Stores a pending secret (replacing an unconfirmed one); false when TOTP is already confirmed. */
  async savePending(userId: string, secretEncrypted: string, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .insert(userTotp)
      .values({ userId, secretEncrypted })
      .onConflictDoUpdate({
        target: userTotp.userId,
        set: { secretEncrypted, lastUsedStep: null, createdAt: sql`now()` },
        setWhere: isNull(userTotp.confirmedAt),
      })
      .returning({ userId: userTotp.userId });
    return rows.length > 0;
  }

  /**
   * Confirms the pending secret the code was checked against (not one a concurrent
   * enable-otp put in its place) and spends the code's step.
   */
  async confirm(userId: string, checkedSecret: string, step: number, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .update(userTotp)
      .set({ confirmedAt: sql`now()`, lastUsedStep: step })
      .where(and(eq(userTotp.userId, userId), isNull(userTotp.confirmedAt), eq(userTotp.secretEncrypted, checkedSecret)))
      .returning({ userId: userTotp.userId });
    return rows.length > 0;
  }

  /**
   * Records `step` as the last accepted one if it is later than any accepted before, in one
   * statement: of two requests with the same code, exactly one wins. False means replayed.
   */
  async claimStep(userId: string, step: number, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .update(userTotp)
      .set({ lastUsedStep: step })
      .where(
        and(
          eq(userTotp.userId, userId),
          isNotNull(userTotp.confirmedAt),
          or(isNull(userTotp.lastUsedStep), lt(userTotp.lastUsedStep, step)),
        ),
      )
      .returning({ userId: userTotp.userId });
    return rows.length > 0;
  }

  /** Deletes the secret (pending or confirmed) and every recovery code; true when there was a secret. */
  async remove(userId: string, executor: Executor = this.db): Promise<boolean> {
    await executor.delete(otpRecoveryCodes).where(eq(otpRecoveryCodes.userId, userId));
    const rows = await executor.delete(userTotp).where(eq(userTotp.userId, userId)).returning({ userId: userTotp.userId });
    return rows.length > 0;
  }

  async replaceRecoveryCodes(userId: string, codeHashes: string[], executor: Executor = this.db): Promise<void> {
    await executor.delete(otpRecoveryCodes).where(eq(otpRecoveryCodes.userId, userId));
    await executor.insert(otpRecoveryCodes).values(codeHashes.map((codeHash) => ({ userId, codeHash })));
  }

  /** Marks an unused code used; false when it is unknown or already used (by a concurrent request too). */
  async useRecoveryCode(userId: string, codeHash: string, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor
      .update(otpRecoveryCodes)
      .set({ usedAt: sql`now()` })
      .where(and(eq(otpRecoveryCodes.userId, userId), eq(otpRecoveryCodes.codeHash, codeHash), isNull(otpRecoveryCodes.usedAt)))
      .returning({ id: otpRecoveryCodes.id });
    return rows.length > 0;
  }

  async countUnusedRecoveryCodes(userId: string, executor: Executor = this.db): Promise<number> {
    const [row] = await queryRows<{ n: number }>(
      executor,
      sql`SELECT count(*)::int AS n FROM otp_recovery_codes WHERE user_id = ${userId} AND used_at IS NULL`,
    );
    return row?.n ?? 0;
  }
}
