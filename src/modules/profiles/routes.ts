import type { Config } from '../../config.js';
import type { TypedApp } from '../../http/types.js';
import { appKeyRoutes } from '../apps/key-routes.js';
import { appOperatorRoutes } from '../apps/operator-routes.js';
import { bulkProfileRoutes } from './bulk-routes.js';
import type { createAppProfileServices } from './compose.js';
import { operatorProfileRoutes } from './operator-routes.js';
import { userProfileRoutes } from './user-routes.js';

export interface AppProfileRoutesDeps {
  services: ReturnType<typeof createAppProfileServices>;
  config: Pick<Config, 'bulkBodyLimitBytes'>;
}

/** Every route of apps administration and profiles (GET /app/all stays with appRoutes). */
export async function appProfileRoutes(app: TypedApp, { services, config }: AppProfileRoutesDeps): Promise<void> {
  await app.register(appOperatorRoutes, { appService: services.appService });
  await app.register(appKeyRoutes, { appService: services.appService });
  await app.register(userProfileRoutes, { profileService: services.profileService, exportService: services.exportService });
  await app.register(operatorProfileRoutes, { profileService: services.profileService });
  await app.register(bulkProfileRoutes, { bulkProfiles: services.bulkProfiles, profileSearch: services.profileSearch, config });
}
