import { and, eq, gt, inArray, isNull, lt, sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../db/client.js';
import { mailTokens, type MailTokenRow } from '../../db/schema.js';

export type MailTokenPurpose = 'password_reset' | 'verify_email' | 'email_change';

export interface NewMailToken {
  tokenHash: string;
  purpose: MailTokenPurpose;
  userId: string;
  email: string;
  appId: number | null;
  redirectTo: string | null;
  expiresAt: Date;
}

/** The token with this hash, of one of `purposes`, neither spent nor expired at `now`. */
function live(tokenHash: string, purposes: readonly MailTokenPurpose[], now: Date) {
  return and(
    eq(mailTokens.tokenHash, tokenHash),
    inArray(mailTokens.purpose, [...purposes]),
    isNull(mailTokens.consumedAt),
    gt(mailTokens.expiresAt, now),
  );
}

/** SQL for mail_tokens. A token is spent by one conditional UPDATE, so of many concurrent confirms exactly one wins. */
export class MailTokensRepository {
  constructor(private readonly db: Executor) {}

  async insert(token: NewMailToken, executor: Executor = this.db): Promise<void> {
    await executor.insert(mailTokens).values(token);
  }

  /**
   * A password-reset token and its mail for whichever active account has `email`, in one
   * statement that does the same work whether or not one has: the answer and its timing
   * then tell nothing about which addresses are registered. Returns the user's id, if any.
   */
  async insertResetForAddress(
    email: string,
    token: Omit<NewMailToken, 'userId' | 'email' | 'purpose'>,
    mail: { id: string; payload: string; now: Date },
    executor: Executor,
  ): Promise<string | undefined> {
    const [row] = await queryRows<{ user_id: string | null }>(
      executor,
      sql`WITH target AS (
            SELECT id, email FROM users WHERE lower(email) = lower(${email}) AND deleted_at IS NULL),
          token AS (
            INSERT INTO mail_tokens (token_hash, purpose, user_id, email, app_id, redirect_to, expires_at)
            SELECT ${token.tokenHash}, 'password_reset', id, email, ${token.appId}, ${token.redirectTo}, ${token.expiresAt.toISOString()}
            FROM target RETURNING user_id),
          mail AS (
            INSERT INTO mail_outbox (id, recipient, payload, next_attempt_at)
            SELECT ${mail.id}, email, ${mail.payload}, ${mail.now.toISOString()} FROM target RETURNING id)
          SELECT (SELECT user_id FROM token) AS user_id, (SELECT count(*) FROM mail) AS mails`,
    );
    return row?.user_id ?? undefined;
  }

  /** Spends a live token of one of `purposes`: the row once, undefined for every later or concurrent try. */
  async consume(
    tokenHash: string,
    purposes: readonly MailTokenPurpose[],
    now: Date,
    executor: Executor,
  ): Promise<MailTokenRow | undefined> {
    const [row] = await executor
      .update(mailTokens)
      .set({ consumedAt: now })
      .where(live(tokenHash, purposes, now))
      .returning();
    return row;
  }

  /** A live token, left unspent (the hosted page shows its form only for a link that still works). */
  async findLive(tokenHash: string, purposes: readonly MailTokenPurpose[], now: Date): Promise<MailTokenRow | undefined> {
    const [row] = await this.db
      .select()
      .from(mailTokens)
      .where(live(tokenHash, purposes, now));
    return row;
  }

  /** Spends every other live token of the user for `purpose`: one reset spends the links mailed before it. */
  async consumeAllOf(userId: string, purposes: readonly MailTokenPurpose[], now: Date, executor: Executor): Promise<void> {
    await executor
      .update(mailTokens)
      .set({ consumedAt: now })
      .where(and(eq(mailTokens.userId, userId), inArray(mailTokens.purpose, [...purposes]), isNull(mailTokens.consumedAt)));
  }

  /** Tokens that expired a day ago or more mean nothing: deleted. */
  async prune(now: Date): Promise<void> {
    await this.db.delete(mailTokens).where(lt(mailTokens.expiresAt, new Date(now.getTime() - 86_400_000)));
  }
}
