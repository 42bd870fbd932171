import type { TypedApp } from '../../http/types.js';
import type { TotpServices } from './compose.js';
import { totpEnrollmentRoutes } from './enrollment-routes.js';
import { totpOperatorRoutes } from './operator-routes.js';
import { secondFactorRoutes } from './second-factor-routes.js';

/** Every TOTP route: enrollment by the account holder, the login's second step, and an operator's reset. */
export async function totpRoutes(app: TypedApp, services: TotpServices): Promise<void> {
  await app.register(totpEnrollmentRoutes, services);
  await app.register(secondFactorRoutes, services);
  await app.register(totpOperatorRoutes, services);
}
