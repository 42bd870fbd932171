import type { Database } from '../../db/client.js';

/** Where the database announces changed rows (migration 0004's triggers), as `<kind>:<id>`. */
export const ROW_CHANGE_CHANNEL = 'sentinel_rows_changed';

export type RowKind = 'user' | 'session';

/** What the feed does to a cache (ChangeAwareCache). */
export interface InvalidatedCache {
  forget(id: string): void;
  trust(): void;
  distrust(): void;
}

/**
 * Hears the database's announcements of changed users and sessions and drops them from this
 * process's caches, whichever process or command made the change. While the listening
 * connection is down the caches are bypassed, and they start empty once it is back.
 */
export class RowChangeFeed {
  private readonly caches = new Map<RowKind, InvalidatedCache[]>();
  private unlisten: (() => Promise<void>) | undefined;

  constructor(private readonly database: Pick<Database, 'listen'>) {}

  watch(kind: RowKind, cache: InvalidatedCache): void {
    this.caches.set(kind, [...(this.caches.get(kind) ?? []), cache]);
  }

  async start(): Promise<void> {
    this.unlisten = await this.database.listen(ROW_CHANGE_CHANNEL, (payload) => this.changed(payload), {
      onLost: () => this.each((cache) => cache.distrust()),
      onRestored: () => this.each((cache) => cache.trust()),
    });
    this.each((cache) => cache.trust());
  }

  async stop(): Promise<void> {
    this.each((cache) => cache.distrust());
    await this.unlisten?.();
  }

  private changed(payload: string): void {
    const separator = payload.indexOf(':');
    const kind = payload.slice(0, separator) as RowKind;
    const id = payload.slice(separator + 1);
    for (const cache of this.caches.get(kind) ?? []) cache.forget(id);
  }

  private each(action: (cache: InvalidatedCache) => void): void {
    for (const caches of this.caches.values()) caches.forEach(action);
  }
}
