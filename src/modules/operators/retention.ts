import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { EventSink } from '../webhooks/events.js';
import type { UserAdminRepository } from './user-admin-repository.js';

export interface RetentionDeps {
  db: Db;
  admin: UserAdminRepository;
  audit: AuditLog;
  events: EventSink;
  clock: Clock;
  /** How long a soft-deleted user is kept before being purged; 0 keeps them until an operator purges them. */
  retentionSeconds: number;
  intervalMs?: number;
  onError: (error: unknown) => void;
}

const HOUR_MS = 3_600_000;
/** Users purged per transaction: bounds the locks held and the work lost if a process stops. */
const BATCH = 500;

/**
 * Purges users soft-deleted longer ago than the retention: at start, then hourly. Safe
 * with several processes on one database: each batch skips rows another one holds, and a
 * user deleted by one process is simply absent for the others.
 */
export class DeletedUserRetention {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private stopped = false;

  constructor(private readonly deps: RetentionDeps) {}

  get enabled(): boolean {
    return this.deps.retentionSeconds > 0;
  }

  start(): void {
    if (!this.enabled) return;
    this.stopped = false;
    this.tick();
    this.timer = setInterval(() => this.tick(), this.deps.intervalMs ?? HOUR_MS);
    this.timer.unref();
  }

  /** Stops the schedule and waits for a run in progress, so the database can close after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Purges every user deleted before now minus the retention; returns how many. */
  async purgeExpired(): Promise<number> {
    if (!this.enabled) return 0;
    const { db, admin, audit, clock, retentionSeconds } = this.deps;
    const cutoff = new Date(clock().getTime() - retentionSeconds * 1000);
    let total = 0;
    for (;;) {
      const purged = await db.transaction(async (tx) => {
        const rows = await admin.purgeDeletedBefore(cutoff, BATCH, tx);
        await audit.recordMany(
          rows.map((row) => ({
            action: 'user.purged',
            actorUserId: null,
            targetUserId: row.id,
            detail: { reason: 'retention', deleted_at: row.deletedAt.toISOString(), retention_seconds: retentionSeconds },
          })),
          undefined,
          tx,
        );
        for (const row of rows) await this.deps.events.emit(tx, { type: 'user.purged', data: { user_id: row.id } });
        return rows.length;
      });
      total += purged;
      if (purged < BATCH || this.stopped) return total;
    }
  }

  private tick(): void {
    if (this.running || this.stopped) return;
    this.running = this.purgeExpired()
      .catch((error: unknown) => {
        this.deps.onError(error);
        return 0;
      })
      .finally(() => {
        this.running = undefined;
      });
  }
}
