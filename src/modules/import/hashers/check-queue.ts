import type { ImportedHashCheckLimits } from '../../../config.js';
import { retryLater, type AppError } from '../../../http/errors.js';
import { ImportErrors } from '../errors.js';

interface Waiter {
  start(): void;
  timer: NodeJS.Timeout;
}

/**
 * Runs at most `concurrency` checks at once; up to `maxWaiting` more wait their turn, each
 * for at most `waitTimeoutMs`. A check that finds the line full, or waits too long, is
 * answered 503 with Retry-After. bcrypt runs on libuv's thread pool, which argon2id shares:
 * without this, a few logins to slow imported hashes would take every thread, and every
 * other login would wait behind them.
 */
export class CheckQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limits: ImportedHashCheckLimits) {}

  async run<T>(check: () => Promise<T>): Promise<T> {
    await this.turn();
    try {
      return await check();
    } finally {
      this.done();
    }
  }

  /** Runs the check only if a slot is free now (work that can wait for a quiet moment); undefined otherwise. */
  async runIfIdle<T>(check: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.limits.concurrency) return undefined;
    return this.run(check);
  }

  private turn(): Promise<void> {
    if (this.running < this.limits.concurrency) {
      this.running += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.limits.maxWaiting) return Promise.reject(this.busy());
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          clearTimeout(waiter.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.waiting.splice(this.waiting.indexOf(waiter), 1);
          reject(this.busy());
        }, this.limits.waitTimeoutMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** Hands the slot straight to the next waiter, so `running` never drops below the line's demand. */
  private done(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running -= 1;
  }

  private busy(): AppError {
    const seconds = Math.max(1, Math.ceil(this.limits.waitTimeoutMs / 1000));
    return retryLater(
      ImportErrors.passwordChecksBusy,
      seconds,
      `The server is checking too many passwords at once; try again in ${seconds} seconds`,
    );
  }
}
