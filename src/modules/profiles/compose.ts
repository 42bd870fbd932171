import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import { AppService } from '../apps/app-service.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { AllowedOrigins } from '../apps/cors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { BulkProfileService } from './bulk-service.js';
import { ProfileDataSchemas } from './data-schemas.js';
import { ExportRepository } from './export-repository.js';
import { ExportService } from './export-service.js';
import { ProfileQuota, type ProfileLimits } from './limits.js';
import { ProfileService } from './profile-service.js';
import { ProfilesRepository } from './profiles-repository.js';
import { ProfileSearch } from './search-service.js';

export interface AppProfileDeps {
  db: Db;
  apps: AppsRepository;
  users: UsersRepository;
  audit: AuditLog;
  clock: Clock;
  profileMaxBytes: number;
  limits: ProfileLimits;
}

/** Apps administration and profiles, built from the shared repositories. */
export function createAppProfileServices({ db, apps, users, audit, clock, profileMaxBytes, limits }: AppProfileDeps) {
  const profiles = new ProfilesRepository(db);
  const quota = new ProfileQuota(profiles, limits);
  const profileDataSchemas = new ProfileDataSchemas(apps);
  const allowedOrigins = new AllowedOrigins(db, clock);
  return {
    allowedOrigins,
    profiles,
    profileDataSchemas,
    appService: new AppService({ db, apps, audit, schemas: profileDataSchemas, onDomainsChanged: () => allowedOrigins.invalidate() }),
    profileService: new ProfileService({ db, profiles, apps, schemas: profileDataSchemas, audit, quota, profileMaxBytes }),
    bulkProfiles: new BulkProfileService({ db, profiles, apps, schemas: profileDataSchemas, audit, quota, profileMaxBytes }),
    profileSearch: new ProfileSearch({ profiles, apps }),
    exportService: new ExportService({ users, exports: new ExportRepository(db), audit, now: clock }),
  };
}
