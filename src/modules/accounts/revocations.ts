import type { Clock } from '../../clock.js';
import type { Database } from '../../db/client.js';

export const REVOCATION_CHANNEL = 'sentinel_sessions_revoked';

/** At most this many ids per NOTIFY: PostgreSQL caps a payload at 8000 bytes. */
const IDS_PER_NOTIFY = 200;

export interface RevokedSessionSource {
  /** Ids of sessions revoked at or after `since` (database time). */
  revokedSince(since: Date): Promise<string[]>;
}

/**
 * Revoked session ids, kept in memory so that checking an access token needs no query.
 * An id only has to be remembered while a token issued before the revocation could still
 * be unexpired: one access-token lifetime.
 */
export class SessionRevocations {
  private readonly revoked = new Map<string, number>();

  constructor(
    private readonly rememberMs: number,
    private readonly clock: Clock,
  ) {}

  has(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  add(sessionIds: Iterable<string>): void {
    const forgetAt = this.clock().getTime() + this.rememberMs;
    for (const id of sessionIds) this.revoked.set(id, forgetAt);
  }

  prune(): void {
    const now = this.clock().getTime();
    for (const [id, forgetAt] of this.revoked) if (forgetAt <= now) this.revoked.delete(id);
  }

  get size(): number {
    return this.revoked.size;
  }
}

/**
 * Keeps the revocations of every `sentinel serve` process on one database in step:
 * loads recent revocations at start, hears new ones by LISTEN/NOTIFY at once, and polls
 * as a safety net for notifications lost while a connection was down.
 */
export class RevocationSync {
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  /** When the last successful load began: the next poll looks back from there, however long the polls failed meanwhile. */
  private loadedFrom = 0;

  constructor(
    private readonly revocations: SessionRevocations,
    private readonly source: RevokedSessionSource,
    private readonly database: Database,
    private readonly options: { rememberMs: number; pollMs: number; clock: Clock; onError: (error: unknown) => void },
  ) {}

  async start(): Promise<void> {
    await this.load(this.options.clock().getTime() - this.options.rememberMs);
    // On PGlite this process is the only one: nothing to hear or poll, only old ids to forget.
    const shared = this.database.engine !== 'pglite';
    if (shared) {
      this.unlisten = await this.database.listen(REVOCATION_CHANNEL, (payload) => {
        this.revocations.add(payload.split(',').filter(Boolean));
      });
    }
    this.timer = setInterval(() => void (shared ? this.poll() : this.revocations.prune()), this.options.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.();
  }

  /** Records revocations made by this process and tells the others. */
  async publish(sessionIds: string[]): Promise<void> {
    this.revocations.add(sessionIds);
    for (let i = 0; i < sessionIds.length; i += IDS_PER_NOTIFY) {
      await this.database.notify(REVOCATION_CHANNEL, sessionIds.slice(i, i + IDS_PER_NOTIFY).join(','));
    }
  }

  /**
   * Loads what was revoked since the last successful load, less an overlap of a few polls
   * (a revocation is dated when its transaction began, and may commit a little later), but
   * never further back than a token lives.
   */
  private async poll(): Promise<void> {
    try {
      this.revocations.prune();
      const { rememberMs, pollMs, clock } = this.options;
      await this.load(Math.max(this.loadedFrom - 3 * pollMs, clock().getTime() - rememberMs));
    } catch (error) {
      this.options.onError(error);
    }
  }

  private async load(sinceMs: number): Promise<void> {
    const startedAt = this.options.clock().getTime();
    this.revocations.add(await this.source.revokedSince(new Date(sinceMs)));
    this.loadedFrom = startedAt;
  }
}
