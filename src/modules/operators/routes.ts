import type { TypedApp } from '../../http/types.js';
import { operatorAdminRoutes } from './admin-routes.js';
import type { OperatorServices } from './services.js';
import { operatorSessionRoutes } from './session-routes.js';
import { operatorUserRoutes } from './user-routes.js';

/** Every /operator/* route for users and their sessions (apps, profiles, import and TOTP live in their own features). */
export async function operatorRoutes(app: TypedApp, services: OperatorServices): Promise<void> {
  await app.register(operatorUserRoutes, services);
  await app.register(operatorAdminRoutes, services);
  await app.register(operatorSessionRoutes, services);
}
