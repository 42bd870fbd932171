import type { Clock } from '../../clock.js';
import type { AppError } from '../../http/errors.js';
import type { AttemptCounters } from './attempt-counters.js';

export interface AttemptPolicy {
  /** Prefixes every key, so two policies sharing the table never share a counter. */
  scope: string;
  /** Failed attempts a key may have per window; 0 turns the limit off. */
  maxFailures: number;
  windowSeconds: number;
  /** The answer for a key at its limit, given the seconds until its window ends. */
  refused(retryAfterSeconds: number): AppError;
}

/**
 * Caps the failed attempts at a secret per key (an account, a login name) in a fixed window.
 * Each attempt is counted before the secret is checked, so concurrent requests cannot all
 * pass a "fewer than N failures" test; a successful attempt gives back only its own count,
 * so a success never wipes the failures of others.
 */
export class AttemptLimiter {
  constructor(
    private readonly counters: AttemptCounters,
    private readonly policy: AttemptPolicy,
    private readonly clock: Clock,
  ) {}

  /**
   * Runs `check` as one attempt on `key`. Throws the policy's error, without running `check`,
   * while `key` has no attempt left in its window. The attempt stays counted when
   * `succeeded(result)` is false; it is given back when the check succeeds or throws (a
   * check that failed to run judged nothing).
   */
  async attempt<T>(key: string, check: () => Promise<T>, succeeded: (result: T) => boolean): Promise<T> {
    const { maxFailures, windowSeconds, scope } = this.policy;
    if (maxFailures === 0) return check();
    const now = this.clock();
    const result = await this.counters.reserve(`${scope}:${key}`, maxFailures, windowSeconds, now);
    if (!result.reserved) {
      throw this.policy.refused(Math.max(1, Math.ceil((result.windowEndsAt.getTime() - now.getTime()) / 1000)));
    }
    let outcome: T;
    try {
      outcome = await check();
    } catch (error) {
      await this.counters.giveBack(result.reservation);
      throw error;
    }
    if (succeeded(outcome)) await this.counters.giveBack(result.reservation);
    return outcome;
  }
}
