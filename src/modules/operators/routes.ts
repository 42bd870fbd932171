import type { TypedApp } from '../../http/types.js';
import { operatorLifecycleRoutes } from './lifecycle-routes.js';
import { operatorOverviewRoutes } from './overview-routes.js';
import { operatorSearchRoutes } from './search-routes.js';
import type { OperatorServices } from './services.js';
import { operatorSessionsRoutes } from './sessions-routes.js';
import { operatorUsersRoutes } from './users-routes.js';

/**
 * Every /operator/* route for users, by resource: one user's account, search, the end of an
 * account, sessions. Apps, profiles, import, audit and TOTP keep their /operator/* routes in their own features.
 */
export async function operatorRoutes(app: TypedApp, services: OperatorServices): Promise<void> {
  await app.register(operatorUsersRoutes, services);
  await app.register(operatorSearchRoutes, services);
  await app.register(operatorLifecycleRoutes, services);
  await app.register(operatorSessionsRoutes, services);
  await app.register(operatorOverviewRoutes, services);
}
