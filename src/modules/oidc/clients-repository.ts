import { eq } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { apps, oidcClients, type OidcClientRow } from '../../db/schema.js';

export type NewOidcClient = Pick<
  OidcClientRow,
  'appId' | 'clientType' | 'secretSealed' | 'redirectUris' | 'postLogoutRedirectUris' | 'firstParty'
>;

export interface OidcClientWithApp extends OidcClientRow {
  appName: string;
  domains: string[];
}

export class OidcClientsRepository {
  constructor(private readonly db: Db) {}

  async find(appId: number, executor: Executor = this.db): Promise<OidcClientWithApp | undefined> {
    const [row] = await executor
      .select({ client: oidcClients, appName: apps.name, domains: apps.domains })
      .from(oidcClients)
      .innerJoin(apps, eq(apps.id, oidcClients.appId))
      .where(eq(oidcClients.appId, appId));
    return row ? { ...row.client, appName: row.appName, domains: row.domains } : undefined;
  }

  /** Inserts unless the app already is a client; undefined then. */
  async insert(client: NewOidcClient, executor: Executor = this.db): Promise<OidcClientRow | undefined> {
    const [row] = await executor.insert(oidcClients).values(client).onConflictDoNothing().returning();
    return row;
  }

  async delete(appId: number, executor: Executor = this.db): Promise<boolean> {
    const rows = await executor.delete(oidcClients).where(eq(oidcClients.appId, appId)).returning({ appId: oidcClients.appId });
    return rows.length === 1;
  }
}
