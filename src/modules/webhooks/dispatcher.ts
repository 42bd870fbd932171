import type { Clock } from '../../clock.js';
import type { Database } from '../../db/client.js';
import { retryWhileUnavailable } from '../../db/retry.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { WebhookConfig } from '../../config.js';
import type { AttemptOutcome, ClaimedDelivery, DeliveriesRepository } from './deliveries-repository.js';
import { WEBHOOK_CHANNEL } from './outbox.js';
import { postJson, type SendResult } from './sender.js';
import { secretContextOf, signedHeaders } from './signature.js';
import { checkWebhookUrl, RefusedUrlError } from './url-safety.js';

export interface DispatcherDeps {
  database: Pick<Database, 'listen'>;
  deliveries: DeliveriesRepository;
  secrets: Pick<SecretBox, 'open'>;
  config: WebhookConfig;
  clock: Clock;
  onError: (error: unknown) => void;
  /** Sends one attempt; tests may replace it. */
  send?: typeof postJson;
}

/** Delivered and failed deliveries are kept this long for the deliveries route, then deleted. */
export const HISTORY_DAYS = 30;
const PRUNE_EVERY_MS = 3_600_000;

/** How long a claimed delivery stays away from other servers beyond the attempt's timeout. */
const LEASE_MARGIN_MS = 30_000;

/**
 * Sends the outbox's deliveries from this server. Woken by the outbox's notification (any
 * server's commit), by the due time of the next retry, and by a poll in case a notification
 * was lost. Each delivery is claimed by exactly one server (DeliveriesRepository.claim); up
 * to `concurrency` attempts run at once, in the background of the API.
 */
export class WebhookDispatcher {
  private inFlight = 0;
  private draining: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private poll: NodeJS.Timeout | undefined;
  private prune: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private readonly sends = new Set<Promise<void>>();

  constructor(private readonly deps: DispatcherDeps) {}

  async start(): Promise<void> {
    this.stopped = false;
    this.unlisten = await this.deps.database.listen(WEBHOOK_CHANNEL, () => this.wake(), {
      onLost: () => {},
      onRestored: () => this.wake(),
    });
    this.poll = setInterval(() => this.wake(), this.deps.config.pollMs);
    this.poll.unref();
    this.prune = setInterval(() => void this.pruneHistory(), PRUNE_EVERY_MS);
    this.prune.unref();
    void this.pruneHistory();
    this.wake();
  }

  /** Stops claiming; waits for the attempts under way (each ends within the timeout). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    clearInterval(this.prune);
    clearTimeout(this.retryTimer);
    await this.unlisten?.();
    await this.draining;
    await Promise.all(this.sends);
  }

  /** Looks for due deliveries now (again, if a look is under way). */
  wake(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain()
      .catch((error) => this.deps.onError(error))
      .finally(() => {
        this.draining = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async drain(): Promise<void> {
    const { config, deliveries, clock } = this.deps;
    for (;;) {
      const free = config.concurrency - this.inFlight;
      if (free <= 0 || this.stopped) return;
      const now = clock();
      const claimed = await deliveries.claim(free, now, new Date(now.getTime() + config.timeoutMs + LEASE_MARGIN_MS));
      for (const delivery of claimed) this.launch(delivery);
      if (claimed.length < free) break;
    }
    await this.scheduleNextDue();
  }

  private launch(delivery: ClaimedDelivery): void {
    this.inFlight += 1;
    const task = this.attempt(delivery)
      .catch((error) => this.deps.onError(error))
      .finally(() => {
        this.inFlight -= 1;
        this.sends.delete(task);
        this.wake();
      });
    this.sends.add(task);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const { config, clock } = this.deps;
    const at = clock();
    const result = await this.send(delivery, at);
    const ok = result.statusCode !== null && result.statusCode >= 200 && result.statusCode < 300;
    const retryAt = new Date(clock().getTime() + backoffMs(delivery.attempts + 1, config));
    const outcome: AttemptOutcome = {
      at,
      ...result,
      next: ok ? 'delivered' : retryAt > delivery.giveUpAt ? null : retryAt,
    };
    // Recorded through a short database outage, so a delivered event is not sent again when its lease ends.
    await retryWhileUnavailable(() => this.deps.deliveries.record(delivery.id, outcome));
  }

  /** One attempt: the URL is checked again now (its DNS may have changed), then signed and sent. */
  private async send(delivery: ClaimedDelivery, at: Date): Promise<SendResult> {
    const started = performance.now();
    let target;
    try {
      target = await checkWebhookUrl(delivery.url, this.deps.config);
    } catch (error) {
      if (!(error instanceof RefusedUrlError)) throw error;
      return { statusCode: null, error: `refused: ${error.message}`, durationMs: Math.round(performance.now() - started) };
    }
    let secret: string;
    try {
      secret = this.deps.secrets.open(delivery.secretSealed, secretContextOf(delivery.webhookId));
    } catch {
      // The encryption key it was sealed with is gone: nothing can sign it until the webhook is made anew.
      return { statusCode: null, error: 'the signing secret cannot be decrypted with the configured encryption keys', durationMs: 0 };
    }
    const headers = signedHeaders(secret, delivery.eventId, at, delivery.payload);
    return (this.deps.send ?? postJson)(target, delivery.payload, headers, this.deps.config.timeoutMs);
  }

  private async pruneHistory(): Promise<void> {
    const before = new Date(this.deps.clock().getTime() - HISTORY_DAYS * 86_400_000);
    await this.deps.deliveries.deleteFinishedBefore(before).catch((error) => this.deps.onError(error));
  }

  /** A timer for the earliest retry, when it comes before the next poll. */
  private async scheduleNextDue(): Promise<void> {
    const next = await this.deps.deliveries.nextDue();
    clearTimeout(this.retryTimer);
    if (!next || this.stopped) return;
    const waitMs = Math.max(0, next.getTime() - this.deps.clock().getTime());
    if (waitMs >= this.deps.config.pollMs) return;
    this.retryTimer = setTimeout(() => this.wake(), waitMs + 5);
    this.retryTimer.unref();
  }
}

/** Exponential backoff with jitter: base, 2x, 4x... capped, each between 75 % and 125 % of its step. */
export function backoffMs(failures: number, config: Pick<WebhookConfig, 'backoffBaseMs' | 'backoffMaxMs'>): number {
  const step = Math.min(config.backoffMaxMs, config.backoffBaseMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(step * (0.75 + Math.random() * 0.5));
}
