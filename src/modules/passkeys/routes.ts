import type { TypedApp } from '../../http/types.js';
import type { PasskeysServices } from './compose.js';
import { passkeyLoginRoutes } from './login-routes.js';
import { passkeyOperatorRoutes } from './operator-routes.js';
import { passkeyPageRoutes } from './page-routes.js';
import { passkeyUserRoutes } from './user-routes.js';

/** Every passkey route: the user's own, the login, the operator's, and the hosted page. */
export async function passkeyRoutes(app: TypedApp, services: PasskeysServices): Promise<void> {
  await app.register(passkeyUserRoutes, services);
  await app.register(passkeyLoginRoutes, services);
  await app.register(passkeyOperatorRoutes, services);
  await app.register(passkeyPageRoutes);
}
