import type { TypedApp } from '../../http/types.js';
import { oidcClientRoutes } from './client-routes.js';
import type { OidcServices } from './compose.js';
import { providerMount } from './mount.js';
import { oidcPageRoutes } from './login-pages.js';
import { oidcPasskeyRoutes } from './passkey-routes.js';

/** The OpenID Connect provider (its own endpoints), its hosted pages, and the operators' client routes. */
export async function oidcRoutes(app: TypedApp, { oidc, issuer }: { oidc: OidcServices; issuer: string }): Promise<void> {
  await app.register(providerMount, { providers: oidc.providers });
  await app.register(oidcPageRoutes, { interactions: oidc.interactions });
  await app.register(oidcPasskeyRoutes, { interactions: oidc.interactions });
  await app.register(oidcClientRoutes, { clients: oidc.clients, issuer });
}
