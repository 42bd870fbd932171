import type { Config } from '../../config.js';
import type { TypedApp } from '../../http/types.js';
import { bulkProfileRoutes } from './bulk-routes.js';
import type { ProfileServices } from './compose.js';
import { operatorProfileRoutes } from './operator-routes.js';
import { schemaCheckRoutes } from './schema-check-routes.js';
import { profileSearchRoutes } from './search-routes.js';
import { userProfileRoutes } from './user-routes.js';

export interface ProfileRoutesDeps {
  profiles: ProfileServices;
  config: Pick<Config, 'bulkBodyLimitBytes'>;
}

/** Every profile route: the user's own, operators' per user, bulk creation, search and checks against a new schema. */
export async function profileRoutes(app: TypedApp, { profiles, config }: ProfileRoutesDeps): Promise<void> {
  await app.register(userProfileRoutes, { profileService: profiles.profileService, exportService: profiles.exportService });
  await app.register(operatorProfileRoutes, { profileService: profiles.profileService });
  await app.register(bulkProfileRoutes, { bulkProfiles: profiles.bulkProfiles, config });
  await app.register(profileSearchRoutes, { profileSearch: profiles.profileSearch });
  await app.register(schemaCheckRoutes, { schemaCheck: profiles.schemaCheck });
}
