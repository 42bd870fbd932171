import type Provider from 'oidc-provider';
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import { ACCOUNT_POLICY } from '../system/security-headers.js';
import type { SafeHtml } from '../account-pages/html.js';
import type { AccountSnapshot } from '../accounts/access-checks.js';
import { adapterClass } from './adapter.js';
import type { OidcClientService } from './client-service.js';
import { errorPage, loggedOutPage, logoutPage } from './pages.js';
import type { OidcPayloadsRepository } from './payloads-repository.js';
import type { OidcKeySource, ProviderKeys } from './signing-keys.js';

/** Where the provider's endpoints live; discovery stays at the root (/.well-known/openid-configuration). */
export const OIDC_PREFIX = '/oidc';
export const LOGOUT_PATH = '/account/logout';
export const SCOPES = ['openid', 'profile', 'email', 'offline_access', 'sentinel:profiles'] as const;
export const PROFILES_SCOPE = 'sentinel:profiles';

export function interactionPath(uid: string): string {
  return `/account/login/${uid}`;
}

export interface OidcProviderDeps {
  /** SENTINEL_PUBLIC_URL: the issuer, so discovery is at its /.well-known/openid-configuration. */
  issuer: string;
  keys: OidcKeySource;
  clients: OidcClientService;
  payloads: OidcPayloadsRepository;
  findAccount(userId: string): Promise<AccountSnapshot | undefined>;
  /** Signs the provider's cookies; the first signs, all verify. */
  cookieKeys: string[];
  trustProxy: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  /** Ends a Sentinel session that an OIDC logout or a new login on the same browser replaced. */
  endSentinelSession(sessionId: string, reason: 'logout' | 'replaced'): Promise<void>;
}

/** Interaction results carry the Sentinel session the login opened, to tie it to the browser session. */
export interface SentinelLoginResult {
  sentinel_session_id?: string;
}

function sendHtml(ctx: KoaContextWithOIDC, page: SafeHtml, formActions: string[] = []): void {
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('cache-control', 'no-store');
  ctx.set('content-security-policy', `${ACCOUNT_POLICY}; form-action ${["'self'", ...formActions].join(' ')}`);
  ctx.body = page.value;
}

function originsOf(uris: readonly string[] | undefined): string[] {
  return [...new Set((uris ?? []).map((uri) => new URL(uri).origin))];
}

/**
 * Builds the provider for one set of signing keys. The keys are fixed for a provider's life,
 * so OidcProviders builds a new one when they change; everything else lives in the database.
 */
async function buildProvider(deps: OidcProviderDeps, keys: ProviderKeys): Promise<Provider> {
  // Loaded on first use: the module warns on stderr when loaded under Node 20, which would
  // otherwise reach every command of the CLI.
  const { default: OidcProvider, errors } = await import('oidc-provider');
  const configuration: Configuration = {
    adapter: adapterClass(deps.payloads, (clientId) => deps.clients.metadata(clientId, keys.alg), errors.InvalidGrant),
    jwks: { keys: keys.keys as never },
    cookies: { keys: deps.cookieKeys, long: { signed: true }, short: { signed: true } },
    scopes: [...SCOPES],
    claims: {
      openid: ['sub', 'amr'],
      email: ['email'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username', 'updated_at'],
    },
    findAccount: async (_ctx, sub) => {
      const user = await deps.findAccount(sub);
      if (!user || user.deletedAt) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: user.email,
          name: [user.firstName, user.lastName].filter(Boolean).join(' ') || user.username,
          given_name: user.firstName || undefined,
          family_name: user.lastName || undefined,
          preferred_username: user.username,
          updated_at: Math.floor(user.updatedAt.getTime() / 1000),
        }),
      };
    },
    interactions: { url: (_ctx, interaction) => interactionPath(interaction.uid) },
    routes: {
      authorization: `${OIDC_PREFIX}/auth`,
      token: `${OIDC_PREFIX}/token`,
      userinfo: `${OIDC_PREFIX}/me`,
      jwks: `${OIDC_PREFIX}/jwks`,
      revocation: `${OIDC_PREFIX}/token/revocation`,
      introspection: `${OIDC_PREFIX}/token/introspection`,
      end_session: LOGOUT_PATH,
      pushed_authorization_request: `${OIDC_PREFIX}/request`,
    },
    responseTypes: ['code'],
    // Like Keycloak, every code exchange gets a refresh token (offline_access needs prompt=consent,
    // which first-party apps never show); it lives as long as the Sentinel session behind it.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    enabledJWA: { idTokenSigningAlgValues: ['RS256', 'ES256', 'EdDSA'] },
    features: {
      devInteractions: { enabled: false },
      // A client revokes only its own tokens (the provider's default allows any client's).
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      introspection: { enabled: true },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          const client = ctx.oidc.client;
          sendHtml(ctx, logoutPage(form, client?.clientName), originsOf(client?.postLogoutRedirectUris));
        },
        postLogoutSuccessSource: (ctx) => sendHtml(ctx, loggedOutPage(ctx.oidc.client?.clientName)),
      },
    },
    ttl: {
      AccessToken: deps.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: deps.refreshTokenTtlSeconds,
      Interaction: 3600,
      Session: 14 * 86_400,
      Grant: deps.refreshTokenTtlSeconds,
    },
    // Consent is remembered per user and app, across logins: a grant found for the pair serves again.
    loadExistingGrant: async (ctx) => {
      const { provider, session, client, result } = ctx.oidc;
      const grantId =
        (result as { consent?: { grantId?: string } } | undefined)?.consent?.grantId ??
        session?.grantIdFor(client!.clientId) ??
        (session?.accountId ? await deps.payloads.latestGrantId(session.accountId, client!.clientId) : undefined);
      if (grantId) return provider.Grant.find(grantId);
      const app = await deps.clients.find(client!.clientId);
      if (!app?.firstParty || !session?.accountId) return undefined;
      // The operator's own apps need no consent: their grant holds what they ask for.
      const grant = new provider.Grant({ accountId: session.accountId, clientId: client!.clientId });
      grant.addOIDCScope(String(ctx.oidc.params?.scope ?? 'openid'));
      await grant.save();
      return grant;
    },
    // Signing out ends the tokens, not the consent: the user is not asked again at the next sign-in.
    revokeGrantPolicy: (ctx) =>
      ctx.oidc.route !== 'end_session_confirm' && !(ctx.oidc.route === 'revocation' && ctx.oidc.entities.AccessToken),
    renderError: (ctx, out) => {
      ctx.status = ctx.status >= 400 ? ctx.status : 400;
      sendHtml(ctx, errorPage(out.error_description ?? out.error));
    },
    clientBasedCORS: (_ctx, origin, client) => originsOf(client.redirectUris).includes(origin),
  };
  const provider = new OidcProvider(deps.issuer, configuration);
  provider.proxy = deps.trustProxy;
  provider.use(async (ctx, next) => {
    await next();
    await tieSessions(ctx as KoaContextWithOIDC, deps);
  });
  return provider;
}

/**
 * After the provider answered: a login that finished ties the browser session to the Sentinel
 * session it opened (ending one it replaces); a logout of the whole browser session ends its
 * Sentinel session. The adapter then treats every code and token of that browser session as
 * gone once the Sentinel session has ended, however it ended.
 */
async function tieSessions(ctx: KoaContextWithOIDC, deps: OidcProviderDeps): Promise<void> {
  const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
  const session = oidc?.session;
  if (!oidc || !session) return;
  if (oidc.route === 'resume') {
    const sessionId = (oidc.result as SentinelLoginResult | undefined)?.sentinel_session_id;
    if (!sessionId) return;
    const replaced = await deps.payloads.link(session.uid, sessionId);
    if (replaced) await deps.endSentinelSession(replaced, 'replaced');
  } else if (oidc.route === 'end_session_confirm' && (session as { destroyed?: boolean }).destroyed) {
    const sessionId = await deps.payloads.unlink(session.uid);
    if (sessionId) await deps.endSentinelSession(sessionId, 'logout');
  }
}

/** The provider of the current signing keys, built anew when a rotation changes them. */
export class OidcProviders {
  private built: { version: string; provider: Provider } | undefined;
  private building: Promise<Provider> | undefined;

  constructor(private readonly deps: OidcProviderDeps) {}

  async current(): Promise<Provider> {
    const keys = await this.deps.keys.current();
    if (this.built?.version === keys.version) return this.built.provider;
    this.building ??= buildProvider(this.deps, keys)
      .then((provider) => {
        this.built = { version: keys.version, provider };
        return provider;
      })
      .finally(() => {
        this.building = undefined;
      });
    return this.building;
  }
}
