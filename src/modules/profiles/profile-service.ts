import type { Db, Executor } from '../../db/client.js';
import { summarizeFieldErrors, type FieldError } from '../../http/errors.js';
import type { RequestContext } from '../../http/request-context.js';
import { AccountErrors } from '../accounts/errors.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { noSuchApp } from '../apps/errors.js';
import type { AuditAction, AuditLog } from '../audit/audit-log.js';
import type { DataValidator, ProfileDataSchemas } from '../apps/profile-schemas.js';
import { ProfileErrors } from './errors.js';
import { nestingDepth } from '../../json-depth.js';
import { MAX_PROFILE_DEPTH, serializeProfileData } from './json-limits.js';
import { applyMergePatch } from './merge-patch.js';
import type { ProfileQuota } from './limits.js';
import { assertIfMatch, missingProfile } from './preconditions.js';
import type { ProfileKey, ProfilesRepository } from './profiles-repository.js';
import { toProfile, type ProfileRecord } from './schemas.js';
import type { EventSink } from '../webhooks/events.js';

export interface ProfileServiceDeps {
  db: Db;
  profiles: ProfilesRepository;
  apps: Pick<AppsRepository, 'schemaStateOf'>;
  schemas: Pick<ProfileDataSchemas, 'validatorFor'>;
  audit: AuditLog;
  quota: ProfileQuota;
  profileMaxBytes: number;
  events: EventSink;
}

/** profile_data ready to store: its JSON text and that text's size in UTF-8 bytes. */
interface Serialized {
  text: string;
  bytes: number;
}

/**
 * Who writes: the owner through /user/profiles, or an operator through /operator/users/profile.
 * Operator writes are audited; owners' own writes are ordinary data changes.
 */
export interface Writer {
  actorUserId: string;
  byOperator: boolean;
  context: RequestContext;
}

/** The rules of single profiles: size and nesting limits, per-user limits, the app's schema, versions and If-Match. */
export class ProfileService {
  constructor(private readonly deps: ProfileServiceDeps) {}

  async create(owner: { userId: string; appId: number }, data: unknown, writer: Writer): Promise<ProfileRecord> {
    const serialized = this.serialize(data, '/profile_data');
    const validator = await this.validatorOf(owner.appId);
    assertValid(validator, data);
    return this.deps.db.transaction(async (tx) => {
      const user = await this.deps.profiles.lockUser(owner.userId, tx);
      if (!user || (writer.byOperator && user.deleted)) {
        throw AccountErrors.userNotFound(`No user ${owner.userId}, or the account is deleted`);
      }
      await this.deps.quota.assertRoomForNew(owner.userId, owner.appId, serialized.bytes, tx);
      const profile = await this.deps.profiles.insert({ ...owner, data: serialized.text, bytes: serialized.bytes }, tx);
      await this.auditOperator(writer, 'profile.created_by_operator', profile, tx);
      await this.deps.events.emit(tx, { type: 'profile.created', appId: profile.appId, data: { ...toProfile(profile) } });
      return profile;
    });
  }

  /**
   * A page of a user's profiles in one app. Operators may read deleted users' profiles; an
   * unknown user or app is a 404 rather than an empty list, so typos do not look like "no data".
   */
  async list(owner: { userId: string; appId: number }, limit: number, afterSeq: number, checkUser: boolean): Promise<ProfileRecord[]> {
    const found = await this.deps.profiles.listInApp(owner.userId, owner.appId, limit, afterSeq);
    if (!found) throw noSuchApp(owner.appId);
    if (checkUser && !(await this.deps.profiles.userExists(owner.userId))) throw AccountErrors.userNotFound(`No user ${owner.userId}`);
    return found;
  }

  async get(key: ProfileKey): Promise<ProfileRecord> {
    const profile = await this.deps.profiles.find(key);
    if (!profile) throw missingProfile(key, undefined);
    return profile;
  }

  async replace(key: ProfileKey, data: unknown, ifMatch: string | undefined, writer: Writer): Promise<ProfileRecord> {
    const serialized = this.serialize(data, '/profile_data');
    const validator = await this.validatorOf(key.appId);
    assertValid(validator, data);
    return this.write(key, ifMatch, writer, () => serialized, 'put');
  }

  /** Applies an RFC 7396 merge patch under a row lock: concurrent patches queue, and none is lost. */
  async patch(key: ProfileKey, patch: Record<string, unknown>, ifMatch: string | undefined, writer: Writer): Promise<ProfileRecord> {
    if (nestingDepth(patch, MAX_PROFILE_DEPTH) > MAX_PROFILE_DEPTH) {
      throw ProfileErrors.nestingTooDeep(`The patch nests more than ${MAX_PROFILE_DEPTH} levels`, [
        { path: '', message: `nests more than ${MAX_PROFILE_DEPTH} levels of objects and arrays` },
      ]);
    }
    const validator = await this.validatorOf(key.appId);
    return this.write(
      key,
      ifMatch,
      writer,
      (current) => {
        const merged = applyMergePatch(current.profileData, patch);
        // The patched document must pass the same checks as a replaced one; paths name the result.
        const serialized = this.serialize(merged, '/profile_data');
        assertValid(validator, merged);
        return serialized;
      },
      'patch',
    );
  }

  async remove(key: ProfileKey, ifMatch: string | undefined, writer: Writer): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const current = await this.deps.profiles.find(key, tx, true);
      if (!current) throw missingProfile(key, ifMatch);
      assertIfMatch(ifMatch, current.version);
      await this.deps.profiles.delete(current.id, tx);
      await this.auditOperator(writer, 'profile.deleted_by_operator', current, tx);
      await this.deps.events.emit(tx, {
        type: 'profile.deleted',
        appId: current.appId,
        data: { profile_id: current.id, user_id: current.userId, app_id: current.appId },
      });
    });
  }

  private async write(
    key: ProfileKey,
    ifMatch: string | undefined,
    writer: Writer,
    nextData: (current: ProfileRecord) => Serialized,
    method: 'put' | 'patch',
  ): Promise<ProfileRecord> {
    return this.deps.db.transaction(async (tx) => {
      // The user's row before the profile's, the order in which a purge's cascade takes them too.
      await this.deps.profiles.lockUser(key.userId, tx);
      const current = await this.deps.profiles.find(key, tx, true);
      if (!current) throw missingProfile(key, ifMatch);
      assertIfMatch(ifMatch, current.version);
      const next = nextData(current);
      if (next.bytes > current.dataBytes) {
        await this.deps.quota.assertRoomForGrowth(key.userId, key.appId, next.bytes - current.dataBytes, tx);
      }
      const updated = await this.deps.profiles.replaceData(current.id, next, tx);
      await this.auditOperator(writer, 'profile.updated_by_operator', updated, tx, { method });
      await this.deps.events.emit(tx, { type: 'profile.updated', appId: updated.appId, data: { ...toProfile(updated) } });
      return updated;
    });
  }

  /** The app's validator (undefined without a schema); 404 for an unknown app. */
  private async validatorOf(appId: number): Promise<DataValidator | undefined> {
    const app = await this.deps.apps.schemaStateOf(appId);
    if (!app) throw noSuchApp(appId);
    return this.deps.schemas.validatorFor(app);
  }

  private serialize(data: unknown, path: string): Serialized {
    const result = serializeProfileData(data, this.deps.profileMaxBytes);
    if ('text' in result) return result;
    const errors: FieldError[] = [{ path, message: result.problem.message }];
    if (result.problem.kind === 'depth') throw ProfileErrors.nestingTooDeep(`profile_data ${result.problem.message}`, errors);
    throw ProfileErrors.profileTooLarge(`profile_data ${result.problem.message}`, errors);
  }

  private async auditOperator(
    writer: Writer,
    action: AuditAction,
    profile: ProfileRecord,
    tx: Executor,
    extra: Record<string, unknown> = {},
  ): Promise<void> {
    if (!writer.byOperator) return;
    await this.deps.audit.record(
      {
        action,
        actorUserId: writer.actorUserId,
        targetUserId: profile.userId,
        detail: { profile_id: profile.id, app_id: profile.appId, version: profile.version, ...extra },
      },
      writer.context,
      tx,
    );
  }
}

function assertValid(validator: DataValidator | undefined, data: unknown): void {
  const errors = validator?.(data, '/profile_data') ?? [];
  if (errors.length > 0) {
    throw ProfileErrors.schemaViolation(summarizeFieldErrors(errors), errors);
  }
}
