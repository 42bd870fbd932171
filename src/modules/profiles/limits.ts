import type { Executor } from '../../db/client.js';
import type { FieldError } from '../../http/errors.js';
import { ProfileErrors } from './errors.js';
import { formatBytes } from '../../bytes.js';
import type { BulkRow, ProfilesRepository } from './profiles-repository.js';

/** How much one user may keep: profiles per app, and profile_data bytes across all apps. */
export interface ProfileLimits {
  perUserApp: number;
  bytesPerUser: number;
}

type UsageSource = Pick<ProfilesRepository, 'lockUsers' | 'usageOf' | 'usageOfUsers'>;

/**
 * Enforces ProfileLimits exactly under concurrency: every write that adds a profile or bytes
 * first locks the user's row, then counts, then writes, in one transaction. Writes for the same
 * user queue on that lock, so twenty concurrent creates at the limit cannot all see room.
 * Limits apply to writes from now on: data already over a lowered limit stays, and may shrink.
 */
export class ProfileQuota {
  constructor(
    private readonly profiles: UsageSource,
    private readonly limits: ProfileLimits,
  ) {}

  /** Room for one more profile of `bytes` in the app; the caller has locked the user (lockUser). */
  async assertRoomForNew(userId: string, appId: number, bytes: number, tx: Executor): Promise<void> {
    const usage = await this.profiles.usageOf(userId, appId, tx);
    if (usage.inApp >= this.limits.perUserApp) {
      throw ProfileErrors.profileLimitReached(
        `This user already has ${usage.inApp} profiles in app ${appId}; the limit is ${this.limits.perUserApp} per user and app. Delete one first.`,
      );
    }
    this.assertBytes(usage.bytes + bytes);
  }

  /** Room for `added` more bytes (a PUT or PATCH that grows a profile); the caller has locked the user (lockUser). */
  async assertRoomForGrowth(userId: string, appId: number, added: number, tx: Executor): Promise<void> {
    const usage = await this.profiles.usageOf(userId, appId, tx);
    this.assertBytes(usage.bytes + added);
  }

  /**
   * Locks every user of a bulk request, then names each row that does not fit, in request
   * order: the rows past a user's limit in an app, and those that take a user past the byte limit.
   * Keyed by row index; empty when everything fits.
   */
  async bulkOverflows(rows: readonly BulkRow[], tx: Executor): Promise<Map<number, FieldError[]>> {
    const userIds = [...new Set(rows.map((row) => row.userId))].sort();
    await this.profiles.lockUsers(userIds, tx);
    const perApp = new Map<string, number>();
    const perUser = new Map<string, number>();
    for (const usage of await this.profiles.usageOfUsers(userIds, tx)) {
      perApp.set(`${usage.userId} ${usage.appId}`, usage.profiles);
      perUser.set(usage.userId, (perUser.get(usage.userId) ?? 0) + usage.bytes);
    }
    const errors = new Map<number, FieldError[]>();
    rows.forEach((row, index) => {
      const itemErrors: FieldError[] = [];
      const key = `${row.userId} ${row.appId}`;
      const count = (perApp.get(key) ?? 0) + 1;
      const bytes = (perUser.get(row.userId) ?? 0) + row.bytes;
      perApp.set(key, count);
      perUser.set(row.userId, bytes);
      if (count > this.limits.perUserApp) {
        itemErrors.push({
          path: `/profiles/${index}`,
          message: `would be profile ${count} of this user in app ${row.appId}; the limit is ${this.limits.perUserApp} per user and app`,
        });
      }
      if (bytes > this.limits.bytesPerUser) {
        itemErrors.push({
          path: `/profiles/${index}/profile_data`,
          message: `would bring this user's profile_data to ${bytes} bytes; the limit is ${formatBytes(this.limits.bytesPerUser, { exact: true })} per user`,
        });
      }
      if (itemErrors.length > 0) errors.set(index, itemErrors);
    });
    return errors;
  }

  private assertBytes(total: number): void {
    if (total <= this.limits.bytesPerUser) return;
    const message = `would bring this user's profile_data to ${total} bytes across all apps; the limit is ${formatBytes(this.limits.bytesPerUser, { exact: true })} per user`;
    throw ProfileErrors.profileBytesLimitReached(`profile_data ${message}. Delete or shrink other profiles first.`, [
      { path: '/profile_data', message },
    ]);
  }
}
