import pg from 'pg';
import type { ListenerConnection } from './client.js';
import { APPLICATION_NAME } from './pool.js';

/** Waits before reconnecting: 1 s after a drop, doubling while the server stays away, at most 10 s. */
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 10_000;

/**
 * One dedicated connection for LISTEN. After a drop it reconnects on its own and listens to
 * every channel again; notifications sent while it was away are lost, so users of it poll
 * as well (RevocationSync does).
 */
export class PostgresListeners {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private retry: NodeJS.Timeout | undefined;
  private retryMs = FIRST_RETRY_MS;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private readonly watchers = new Set<ListenerConnection>();
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly connectTimeoutMs: number,
    private readonly onError?: (error: Error) => void,
  ) {}

  async add(channel: string, handler: (payload: string) => void, watcher?: ListenerConnection): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      try {
        const client = await this.connection();
        await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      } catch (error) {
        this.handlers.delete(channel);
        throw error;
      }
    }
    set.add(handler);
    if (watcher) this.watchers.add(watcher);
    return async () => {
      set.delete(handler);
      if (watcher) this.watchers.delete(watcher);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    // A failed attempt must not be handed out again: the next call tries anew.
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: this.connectTimeoutMs,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      application_name: `${APPLICATION_NAME} listen`,
    });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) handler(message.payload ?? '');
    });
    client.on('error', (error) => this.lost(client, error));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error('The database is closed');
    }
    this.client = client;
    return client;
  }

  private lost(client: pg.Client, error: Error): void {
    if (this.client !== client) return;
    this.client = undefined;
    void client.end().catch(() => {});
    for (const watcher of this.watchers) watcher.onLost();
    this.onError?.(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.resubscribe();
    }, this.retryMs);
    this.retry.unref();
    this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
  }

  private async resubscribe(): Promise<void> {
    try {
      const client = await this.connection();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      this.retryMs = FIRST_RETRY_MS;
      for (const watcher of this.watchers) watcher.onRestored();
    } catch (error) {
      if (this.closed) return;
      this.onError?.(error as Error);
      this.scheduleReconnect();
    }
  }
}
