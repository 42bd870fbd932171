import { randomSecret, sha256Hex } from '../../crypto/secrets.js';
import type { Db, Executor } from '../../db/client.js';
import type { AppRow } from '../../db/schema.js';
import { invalidCursor } from '../../http/pagination.js';
import type { OperatorAction, RequestContext } from '../../http/request-context.js';
import { isUuid } from '../../http/schemas.js';
import type { AuditAction, AuditLog } from '../audit/audit-log.js';
import type { ProfileDataSchemas } from './profile-schemas.js';
import type { AppChanges, AppsRepository } from './apps-repository.js';
import { normalizeDomains } from './domains.js';
import { AppErrors, noSuchApp } from './errors.js';
import type { EventSink } from '../webhooks/events.js';
import { toApp, type ApiKeyRow, type RegisterAppInput, type UpdateAppInput } from './schemas.js';

export interface AppServiceDeps {
  db: Db;
  apps: AppsRepository;
  audit: AuditLog;
  schemas: Pick<ProfileDataSchemas, 'prepare'>;
  /** Told after a change to the set of registered domains (the CORS allow-list caches them). */
  onDomainsChanged?: () => void;
  events: EventSink;
}

const KEY_PREFIX = 'sk_app_';
/** Characters of a key kept in clear for listings: the fixed prefix and 7 random ones (42 of its 256 bits). */
const SHOWN_KEY_CHARS = KEY_PREFIX.length + 7;

/** Registered apps, their API keys and their profile schemas: operator administration. */
export class AppService {
  constructor(private readonly deps: AppServiceDeps) {}

  async register(
    input: RegisterAppInput,
    { actorUserId, context }: OperatorAction,
  ): Promise<{ app: AppRow; key: ApiKeyRow; apiKey: string }> {
    const domains = normalizeDomains(input.domains ?? []);
    const created = await this.deps.db.transaction(async (tx) => {
      const app = await this.deps.apps.insert({ name: input.app, description: input.description ?? '', domains }, tx);
      const { key, apiKey } = await this.issueKey(app.id, 'default', tx);
      await this.deps.audit.record(
        { action: 'app.created', actorUserId, detail: { app_id: app.id, app: app.name, domains, key_id: key.id } },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'app.created', data: { app_id: app.id, app: toApp(app) } });
      return { app, key, apiKey };
    });
    this.deps.onDomainsChanged?.();
    return created;
  }

  async get(appId: number): Promise<AppRow> {
    const app = await this.deps.apps.findById(appId);
    if (!app) throw noSuchApp(appId);
    return app;
  }

  async update(appId: number, input: UpdateAppInput, { actorUserId, context }: OperatorAction): Promise<AppRow> {
    const changes: AppChanges = {};
    if (input.app !== undefined) changes.name = input.app;
    if (input.description !== undefined) changes.description = input.description;
    if (input.domains !== undefined) changes.domains = normalizeDomains(input.domains);
    const updated = await this.deps.db.transaction(async (tx) => {
      const app = await this.deps.apps.update(appId, changes, tx);
      if (!app) throw noSuchApp(appId);
      await this.deps.audit.record(
        { action: 'app.updated', actorUserId, detail: { app_id: appId, fields: Object.keys(input) } },
        context,
        tx,
      );
      await this.deps.events.emit(tx, { type: 'app.updated', data: { app_id: appId, app: toApp(app) } });
      return app;
    });
    if (changes.domains) this.deps.onDomainsChanged?.();
    return updated;
  }

  /** Deletes an app and its keys; refused while any profile belongs to it, so no user data goes with it. */
  async remove(appId: number, { actorUserId, context }: OperatorAction): Promise<void> {
    // While profiles belong to the app, their foreign key refuses the delete (409 app_has_profiles, src/constraint-errors.ts).
    await this.deps.db.transaction(async (tx) => {
      const app = await this.deps.apps.delete(appId, tx);
      if (!app) throw noSuchApp(appId);
      await this.deps.audit.record({ action: 'app.deleted', actorUserId, detail: { app_id: appId, app: app.name } }, context, tx);
      await this.deps.events.emit(tx, { type: 'app.deleted', data: { app_id: appId } });
    });
    this.deps.onDomainsChanged?.();
  }

  /**
   * Sets the JSON Schema every later write of the app's profile_data must satisfy. Existing
   * profiles are not re-checked. Too deep, too large or invalid schemas are 422.
   */
  async setSchema(appId: number, schema: Record<string, unknown>, { actorUserId, context }: OperatorAction): Promise<AppRow> {
    const stored = this.deps.schemas.prepare(schema);
    return this.changeSchema(appId, stored, 'app.schema_set', actorUserId, context);
  }

  async clearSchema(appId: number, { actorUserId, context }: OperatorAction): Promise<AppRow> {
    return this.changeSchema(appId, null, 'app.schema_cleared', actorUserId, context);
  }

  async createKey(appId: number, name: string, { actorUserId, context }: OperatorAction): Promise<{ key: ApiKeyRow; apiKey: string }> {
    return this.deps.db.transaction(async (tx) => {
      if (!(await this.deps.apps.findById(appId, tx))) throw noSuchApp(appId);
      const issued = await this.issueKey(appId, name, tx);
      await this.deps.audit.record(
        { action: 'app.key_created', actorUserId, detail: { app_id: appId, key_id: issued.key.id, prefix: issued.key.keyPrefix } },
        context,
        tx,
      );
      return issued;
    });
  }

  async listKeys(appId: number, limit: number, afterId: string | undefined): Promise<ApiKeyRow[]> {
    if (afterId !== undefined && !isUuid(afterId)) throw invalidCursor();
    await this.get(appId);
    return this.deps.apps.listKeys(appId, limit, afterId);
  }

  /** Revokes a key at once: every request checks keys against the database, in every process. Revoking twice is fine. */
  async revokeKey(appId: number, keyId: string, { actorUserId, context }: OperatorAction): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const revoked = await this.deps.apps.revokeKey(appId, keyId, tx);
      if (revoked) {
        await this.deps.audit.record({ action: 'app.key_revoked', actorUserId, detail: { app_id: appId, key_id: keyId } }, context, tx);
      } else if (!(await this.deps.apps.findKey(appId, keyId, tx))) {
        throw AppErrors.apiKeyNotFound(`App ${appId} has no API key ${keyId}`);
      }
    });
  }

  private async changeSchema(
    appId: number,
    schema: unknown,
    action: AuditAction,
    actorUserId: string,
    context: RequestContext,
  ): Promise<AppRow> {
    return this.deps.db.transaction(async (tx) => {
      const app = await this.deps.apps.setSchema(appId, schema, tx);
      if (!app) throw noSuchApp(appId);
      await this.deps.audit.record({ action, actorUserId, detail: { app_id: appId } }, context, tx);
      return app;
    });
  }

  private async issueKey(appId: number, name: string, tx: Executor): Promise<{ key: ApiKeyRow; apiKey: string }> {
    const apiKey = KEY_PREFIX + randomSecret();
    const key = await this.deps.apps.insertKey(
      { appId, name, keyHash: sha256Hex(apiKey), keyPrefix: apiKey.slice(0, SHOWN_KEY_CHARS) },
      tx,
    );
    return { key, apiKey };
  }
}
