import type { Database } from '../../db/client.js';
import type { WebhookEventType } from './events.js';

/** Where the database announces any change to `webhooks` (migration webhook_changes_notify's trigger). */
export const WEBHOOK_CHANGES_CHANNEL = 'sentinel_webhooks_changed';

/** The safety net: the snapshot is read again this often even if no notification came. */
const POLL_MS = 1000;

interface Filter {
  events: ReadonlySet<string>;
  appId: number | null;
}

/** What an enabled webhook listens to (WebhooksRepository.enabledFilters). */
export interface WebhookFilter {
  events: string[];
  appId: number | null;
}

/**
 * This process's snapshot of the enabled webhooks' filters, so that `emit` costs nothing when
 * no webhook could receive an event (most logins and profile writes on most installations).
 *
 * Why no subscribed event is lost (the answer is "when in doubt, emit"; the outbox's SQL then
 * decides, reading the committed webhooks as it always did):
 * - A trigger announces every committed change of `webhooks` on WEBHOOK_CHANGES_CHANNEL. From
 *   the moment a notification is heard until a read that started after it has finished, the
 *   snapshot is stale and `mayReceive` answers true. A read that started before the last
 *   notification is not trusted: another one follows.
 * - While the listening connection is down (notifications may be missed), before the first
 *   read and after stop(), `mayReceive` answers true.
 * - The service that creates, changes or enables a webhook reloads this process's snapshot
 *   before it answers (WebhookService's `subscriptionsChanged`), so the instance that answered the operator
 *   is fresh at once; PostgreSQL signals every listening backend when that transaction commits,
 *   so the other processes hear it at the same moment, within a millisecond or so on a LAN.
 * - The remaining window, a change on another process whose emit runs after the webhook's
 *   commit but before that process hears the notification, is as wide as the notification's
 *   trip and no wider than the old per-change query gave: its `INSERT ... SELECT` also missed
 *   a webhook committed after it ran. Strictly, a change on another process made within that
 *   trip after the creation was answered can be skipped; the trip is the local reload's round
 *   trip or less, which test/webhooks-subscriptions.test.ts exercises with two instances. The
 *   poll (every second) bounds what a lost notification could cost while the connection stays up.
 */
export class WebhookSubscriptions {
  private filters: Filter[] | undefined;
  private listening = false;
  /** Notifications heard; a read is trusted only if none arrived while it ran. */
  private generation = 0;
  private reading: Promise<void> | undefined;
  private poll: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;

  constructor(
    private readonly deps: {
      database: Pick<Database, 'listen'>;
      load: () => Promise<WebhookFilter[]>;
      onError: (error: unknown) => void;
    },
  ) {}

  /** False only when the snapshot is fresh and no enabled webhook takes this event (for this app). */
  mayReceive(type: WebhookEventType, appId?: number | null): boolean {
    const filters = this.listening ? this.filters : undefined;
    if (!filters) return true;
    return filters.some(
      (filter) =>
        (filter.events.has(type) || filter.events.has('*')) &&
        (filter.appId === null || appId === undefined || appId === null || filter.appId === appId),
    );
  }

  async start(): Promise<void> {
    this.unlisten = await this.deps.database.listen(WEBHOOK_CHANGES_CHANNEL, () => this.changed(), {
      onLost: () => {
        this.listening = false;
      },
      onRestored: () => {
        this.listening = true;
        this.changed();
      },
    });
    this.listening = true;
    // A failed first read leaves the snapshot empty: emit asks the database until the poll reads it.
    await this.reload().catch(this.deps.onError);
    this.poll = setInterval(() => void this.reload().catch(this.deps.onError), POLL_MS);
    this.poll.unref();
  }

  async stop(): Promise<void> {
    this.listening = false;
    clearInterval(this.poll);
    await this.unlisten?.();
    await this.reading?.catch(() => {});
  }

  /** A webhook changed (heard, or made here): distrust the snapshot until it is read again. */
  changed(): Promise<void> {
    this.generation += 1;
    this.filters = undefined;
    return this.reload().catch((error) => this.deps.onError(error));
  }

  /**
   * Reads the filters again, one read at a time. A read during which a notification arrived is
   * dropped: that notification's own reload follows it and is the one trusted.
   */
  private reload(): Promise<void> {
    const next = (this.reading ?? Promise.resolve()).then(async () => {
      if (!this.listening) return;
      const started = this.generation;
      const rows = await this.deps.load();
      if (this.generation === started) this.filters = rows.map((row) => ({ events: new Set(row.events), appId: row.appId }));
    });
    const settled: Promise<void> = next
      .catch(() => {})
      .finally(() => {
        if (this.reading === settled) this.reading = undefined;
      });
    this.reading = settled;
    return next;
  }
}
