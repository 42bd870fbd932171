import { setTimeout as sleep } from 'node:timers/promises';
import { isDatabaseUnavailable } from './errors.js';

/**
 * Runs `work` again while the database is unavailable (a connection cut, a failover), waiting
 * 100 ms, then twice as long each time: about 3 s in all by default. For the bookkeeping that
 * follows something already done outside the database (a mail handed to the mail server, a
 * webhook delivered): if it is not recorded, it is done again once its lease ends. `work` must
 * be safe to run twice: the first try may have committed before its answer was lost.
 */
export async function retryWhileUnavailable<T>(work: () => Promise<T>, { tries = 6, firstWaitMs = 100 } = {}): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= tries || !isDatabaseUnavailable(error)) throw error;
      await sleep(firstWaitMs * 2 ** (attempt - 1));
    }
  }
}
