import type { Clock } from '../../clock.js';
import { retryWhileUnavailable } from '../../db/retry.js';
import type { MailConfig } from '../../config.js';
import type { MailOutbox } from './outbox.js';
import type { OutboxRepository } from './outbox-repository.js';
import type { MailTransport } from './transport.js';

const BATCH = 10;
const MAX_BACKOFF_MS = 3_600_000;

export interface MailWorkerDeps {
  repository: OutboxRepository;
  outbox: Pick<MailOutbox, 'open'>;
  transport: MailTransport;
  clock: Clock;
  config: Pick<MailConfig, 'pollMs' | 'retryBaseMs' | 'maxAttempts' | 'sendTimeoutMs'>;
  onError: (error: unknown) => void;
  /** Called after each delivery attempt (metrics, logs); never with the mail's content. */
  onAttempt?: (outcome: 'sent' | 'retry' | 'failed', attempts: number) => void;
}

/**
 * Sends the outbox, in every `sentinel serve`: claims due mails (each by one worker, whichever
 * process it runs in), sends each with a timeout, and on failure retries with exponential
 * backoff (retryBaseMs, twice that, ... up to an hour) until maxAttempts, then keeps the mail
 * as failed for operators to see. Requests never wait for it.
 */
export class MailWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;

  constructor(private readonly deps: MailWorkerDeps) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.wake(), this.deps.config.pollMs);
    this.timer.unref();
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    this.deps.transport.close();
  }

  /** Runs a pass now, or right after the one running (a mail queued meanwhile is not left to the next poll). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain()
      .catch(this.deps.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /** Sends what is due, batch after batch, until nothing due is left. */
  private async drain(): Promise<void> {
    const { repository, config, clock } = this.deps;
    // The lease outlasts a send's timeout, so a slow send is never claimed twice.
    const leaseMs = config.sendTimeoutMs * 4 + 10_000;
    while (!this.stopped) {
      const batch = await repository.claimDue(clock(), leaseMs, BATCH);
      await Promise.all(batch.map((mail) => this.deliver(mail)));
      if (batch.length < BATCH) return;
    }
  }

  /**
   * One attempt. Only the send's own failure counts as a failed attempt. Once the mail went
   * out, its removal from the outbox is retried through a short database outage; should the
   * outage last longer, the mail stays claimed until its lease ends and is sent again (at
   * least once, never lost), and the error goes to onError.
   */
  private async deliver(mail: { id: string; recipient: string; payload: string; attempts: number }): Promise<void> {
    const { repository, transport, outbox, config, clock } = this.deps;
    try {
      await withTimeout(transport.send({ to: mail.recipient, ...outbox.open(mail) }), config.sendTimeoutMs);
    } catch (error) {
      const message = describe(error);
      if (mail.attempts >= config.maxAttempts) {
        await retryWhileUnavailable(() => repository.giveUp(mail.id, clock(), message));
        this.deps.onAttempt?.('failed', mail.attempts);
      } else {
        const wait = Math.min(MAX_BACKOFF_MS, config.retryBaseMs * 2 ** (mail.attempts - 1));
        const at = new Date(clock().getTime() + wait);
        await retryWhileUnavailable(() => repository.retryAt(mail.id, at, message));
        this.deps.onAttempt?.('retry', mail.attempts);
      }
      return;
    }
    await retryWhileUnavailable(() => repository.delete(mail.id));
    this.deps.onAttempt?.('sent', mail.attempts);
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the mail server within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The server's complaint, short: an SMTP answer or a network error, never the mail itself. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.slice(0, 500);
}
