import type { Clock } from '../../clock.js';
import type { Executor } from '../../db/client.js';
import type { AttemptLimiter, AttemptPolicy } from '../attempts/attempt-limiter.js';
import { isTotpCode, normalizeRecoveryCode, recoveryCodeHash, stepOfCode } from './codes.js';
import { TotpErrors, tooManyOtpFailures } from './errors.js';
import { UnreadableSecretError, type SecretBox } from '../../crypto/secret-box.js';
import type { TotpRepository, TotpRow } from './totp-repository.js';

export type FactorMethod = 'totp' | 'recovery_code';

export type FactorCheck =
  { ok: true; method: FactorMethod } | { ok: false; method: FactorMethod; reason: 'wrong_code' | 'replayed' | 'not_enabled' };

/** Wrong codes a user may send in FAILURE_WINDOW_SECONDS, across all otp_tokens and the proofs of disable-otp and recovery-codes. */
export const MAX_FAILURES_PER_USER = 10;
export const FAILURE_WINDOW_SECONDS = 15 * 60;

/** The AES-GCM additional data of a user's secret: a sealed secret opens only on its own row. */
export const secretContext = (userId: string) => `user_totp:${userId}`;

export interface SecondFactorsDeps {
  totp: TotpRepository;
  secrets: SecretBox;
  clock: Clock;
  /** Counts wrong codes per user (see SECOND_FACTOR_POLICY). */
  limiter: AttemptLimiter;
}

/** Checks and spends a user's second factor: a TOTP code (each time step once) or an unused recovery code. */
export class SecondFactors {
  constructor(private readonly deps: SecondFactorsDeps) {}

  /**
   * Checks `code` (6 digits: TOTP; otherwise a recovery code) and, when right, spends it in
   * the same statement that checks it was unspent, so a code cannot work twice even for
   * two requests at once.
   */
  async spend(userId: string, code: string, executor?: Executor): Promise<FactorCheck> {
    const { totp } = this.deps;
    if (!isTotpCode(code)) {
      const normalized = normalizeRecoveryCode(code);
      const used = normalized !== undefined && (await totp.useRecoveryCode(userId, recoveryCodeHash(normalized), executor));
      return used ? { ok: true, method: 'recovery_code' } : { ok: false, method: 'recovery_code', reason: 'wrong_code' };
    }
    const row = await totp.find(userId, executor);
    if (!row?.confirmedAt) return { ok: false, method: 'totp', reason: 'not_enabled' };
    const step = this.stepOf(row, code);
    if (step === undefined) return { ok: false, method: 'totp', reason: 'wrong_code' };
    if (!(await totp.claimStep(userId, step, executor))) return { ok: false, method: 'totp', reason: 'replayed' };
    return { ok: true, method: 'totp' };
  }

  /** The step of `code` for this row's secret, now; undefined when wrong. */
  stepOf(row: TotpRow, code: string): number | undefined {
    return stepOfCode(this.openSecret(row), code, this.deps.clock());
  }

  openSecret(row: TotpRow): string {
    try {
      return this.deps.secrets.open(row.secretEncrypted, secretContext(row.userId));
    } catch (error) {
      if (!(error instanceof UnreadableSecretError)) throw error;
      throw TotpErrors.otpSecretUnreadable(
        "This account's TOTP secret does not decrypt with the server's encryption key (was SENTINEL_ENCRYPTION_KEY changed?); use a recovery code, or ask an operator to turn TOTP off",
      );
    }
  }

  /**
   * Runs `check` (one try of a code) as a counted attempt of the user's: 429 before any check
   * once the user has MAX_FAILURES_PER_USER failures in the window. Counted before the check,
   * so a burst across several otp_tokens cannot get past the cap; the per-token cap alone
   * would let fresh logins keep guessing.
   */
  attempt(userId: string, check: () => Promise<FactorCheck>): Promise<FactorCheck> {
    return this.deps.limiter.attempt(`user:${userId}`, check, (result) => result.ok);
  }
}

/** The per-user cap on wrong codes, for AttemptLimiter. */
export const SECOND_FACTOR_POLICY: AttemptPolicy = {
  scope: 'otp',
  maxFailures: MAX_FAILURES_PER_USER,
  windowSeconds: FAILURE_WINDOW_SECONDS,
  refused: tooManyOtpFailures,
};
