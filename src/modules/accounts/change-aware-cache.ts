import { LRUCache } from 'lru-cache';

export interface CacheLimits {
  /** Entries kept at most, least recently used dropped first; 0 turns the cache off. */
  max: number;
  /** How long an entry is trusted without news of a change: the bound if a notification is ever lost. */
  ttlMs: number;
}

/**
 * Rows read from the database and kept in this process until the database announces a
 * change to them (RowChangeFeed). Only what exists is kept: an unknown key is read again
 * each time.
 *
 * A read that overlaps an invalidation is answered but not kept, since it may have seen the
 * row before the change; every invalidation counts, so there is no per-key bookkeeping. Until
 * the feed is listening, and while its connection is down, nothing is kept or served from
 * memory: changes announced meanwhile would be missed.
 */
export class ChangeAwareCache<V extends object> {
  private readonly entries: LRUCache<string, V> | undefined;
  private readonly loading = new Map<string, Promise<V | undefined>>();
  private invalidations = 0;
  private trusted = false;

  constructor(
    limits: CacheLimits,
    private readonly read: (key: string) => Promise<V | undefined>,
  ) {
    this.entries = limits.max > 0 ? new LRUCache<string, V>({ max: limits.max, ttl: limits.ttlMs }) : undefined;
  }

  /** The kept value, without waiting: undefined when it must be read (call `load`). */
  cached(key: string): V | undefined {
    return this.trusted ? this.entries?.get(key) : undefined;
  }

  /** Reads the row (sharing a read already under way for the same key) and keeps it if no change overlapped. */
  load(key: string): Promise<V | undefined> {
    const pending = this.loading.get(key);
    if (pending) return pending;
    const startedAt = this.invalidations;
    const read = this.read(key)
      .then((value) => {
        if (value !== undefined && this.trusted && this.invalidations === startedAt) this.entries?.set(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === read) this.loading.delete(key);
      });
    this.loading.set(key, read);
    return read;
  }

  async get(key: string): Promise<V | undefined> {
    return this.cached(key) ?? this.load(key);
  }

  forget(key: string): void {
    this.invalidations += 1;
    this.entries?.delete(key);
    // A read under way may predate the change: later callers start their own.
    this.loading.delete(key);
  }

  /** Serve from memory again (the feed listens), starting empty. */
  trust(): void {
    this.forgetAll();
    this.trusted = true;
  }

  /** Stop serving from memory (the feed stopped hearing changes). */
  distrust(): void {
    this.trusted = false;
    this.forgetAll();
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  private forgetAll(): void {
    this.invalidations += 1;
    this.entries?.clear();
    this.loading.clear();
  }
}
