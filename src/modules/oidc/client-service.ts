import type { AdapterPayload } from 'oidc-provider';
import type { Db } from '../../db/client.js';
import { randomSecret } from '../../crypto/secrets.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import { summarizeFieldErrors } from '../../http/errors.js';
import type { OperatorAction } from '../../http/request-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { noSuchApp } from '../apps/errors.js';
import type { OidcClientsRepository, OidcClientWithApp } from './clients-repository.js';
import { OidcErrors } from './errors.js';
import { hostAllowed, redirectUriErrors } from './redirect-uris.js';

export type ClientType = 'confidential' | 'public';

export interface ClientInput {
  type: ClientType;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  /** The app is the operator's own: its users are not asked to consent. */
  firstParty: boolean;
}

export interface OidcClientServiceDeps {
  db: Db;
  clients: OidcClientsRepository;
  apps: Pick<AppsRepository, 'findById'>;
  box: SecretBox;
  audit: AuditLog;
}

/** The client id of an app: its id, as text (OAuth client ids are strings). */
export function clientIdOf(appId: number): string {
  return String(appId);
}

export function appIdOf(clientId: string): number | undefined {
  return /^[1-9]\d{0,9}$/.test(clientId) ? Number(clientId) : undefined;
}

/** Operators make apps OpenID Connect clients; the provider reads them back as client metadata. */
export class OidcClientService {
  constructor(private readonly deps: OidcClientServiceDeps) {}

  /** Makes the app a client. A confidential client's secret is returned this once, and stored sealed. */
  async create(appId: number, input: ClientInput, { actorUserId, context }: OperatorAction) {
    const { db, clients, apps, box, audit } = this.deps;
    return db.transaction(async (tx) => {
      const app = await apps.findById(appId, tx);
      if (!app) throw noSuchApp(appId);
      const errors = [
        ...redirectUriErrors(input.redirectUris, app.domains, '/redirect_uris'),
        ...redirectUriErrors(input.postLogoutRedirectUris, app.domains, '/post_logout_redirect_uris'),
      ];
      if (errors.length > 0) throw OidcErrors.invalidRedirectUri(summarizeFieldErrors(errors), errors);
      const secret = input.type === 'confidential' ? randomSecret() : undefined;
      const row = await clients.insert(
        {
          appId,
          clientType: input.type,
          secretSealed: secret === undefined ? null : box.seal(secret, clientIdOf(appId)),
          redirectUris: input.redirectUris,
          postLogoutRedirectUris: input.postLogoutRedirectUris,
          firstParty: input.firstParty,
        },
        tx,
      );
      if (!row) throw OidcErrors.oidcClientExists(`App ${appId} is already a client; delete it first to make it anew`);
      await audit.record(
        {
          action: 'oidc_client.created',
          actorUserId,
          detail: { app_id: appId, client_type: input.type, redirect_uris: input.redirectUris },
        },
        context,
        tx,
      );
      return { client: { ...row, appName: app.name, domains: app.domains }, secret };
    });
  }

  async get(appId: number): Promise<OidcClientWithApp> {
    const client = await this.deps.clients.find(appId);
    if (!client) throw OidcErrors.oidcClientNotFound(`App ${appId} is not an OpenID Connect client`);
    return client;
  }

  async remove(appId: number, { actorUserId, context }: OperatorAction): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      if (!(await this.deps.clients.delete(appId, tx))) throw OidcErrors.oidcClientNotFound(`App ${appId} is not an OpenID Connect client`);
      await this.deps.audit.record({ action: 'oidc_client.deleted', actorUserId, detail: { app_id: appId } }, context, tx);
    });
  }

  /** The app behind a client id, or undefined when it is not (or no longer) a client. */
  async find(clientId: string): Promise<OidcClientWithApp | undefined> {
    const appId = appIdOf(clientId);
    return appId === undefined ? undefined : this.deps.clients.find(appId);
  }

  /**
   * The client as oidc-provider reads it. Redirect URIs whose host left the app's domains since
   * are dropped, so narrowing an app's domains narrows where its codes may go.
   */
  async metadata(clientId: string, idTokenAlg: string): Promise<AdapterPayload | undefined> {
    const client = await this.find(clientId);
    if (!client) return undefined;
    const allowed = (uris: string[]) => uris.filter((uri) => hostAllowed(new URL(uri).hostname, client.domains));
    const confidential = client.clientType === 'confidential';
    return {
      client_id: clientId,
      client_name: client.appName,
      ...(confidential ? { client_secret: this.deps.box.open(client.secretSealed!, clientId) } : {}),
      token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
      redirect_uris: allowed(client.redirectUris),
      post_logout_redirect_uris: allowed(client.postLogoutRedirectUris),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: idTokenAlg as AdapterPayload['id_token_signed_response_alg'],
    };
  }
}
