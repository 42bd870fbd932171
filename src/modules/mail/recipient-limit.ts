import type { Clock } from '../../clock.js';
import type { AttemptCounters } from '../attempts/attempt-counters.js';

/** Mails one address may be sent by the request routes per window, whoever asks: a mailbox cannot be flooded. */
export const MAILS_PER_RECIPIENT = 5;
export const RECIPIENT_WINDOW_SECONDS = 3600;

/** Counts link mails per recipient address (lowercased), across processes, on the attempts table. */
export class RecipientLimit {
  constructor(
    private readonly counters: AttemptCounters,
    private readonly clock: Clock,
  ) {}

  /** Counts one mail to `email`; false when the address has had its share this window (send nothing). */
  async take(purpose: string, email: string): Promise<boolean> {
    const result = await this.counters.reserve(
      `mail:${purpose}:${email.toLowerCase()}`,
      MAILS_PER_RECIPIENT,
      RECIPIENT_WINDOW_SECONDS,
      this.clock(),
    );
    return result.reserved;
  }
}
