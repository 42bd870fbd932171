import type { Clock } from '../../clock.js';
import type { Database, Db } from '../../db/client.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AppServices } from '../apps/compose.js';
import type { AuditLog } from '../audit/audit-log.js';
import { BulkProfileService } from './bulk-service.js';
import { ExportRepository } from './export-repository.js';
import { ExportService } from './export-service.js';
import { ProfileQuota, type ProfileLimits } from './limits.js';
import { ProfileService } from './profile-service.js';
import { ProfilesRepository } from './profiles-repository.js';
import { ProfileSchemaCheck } from './schema-check.js';
import { ProfileSearch } from './search-service.js';
import type { EventSink } from '../webhooks/events.js';

export interface ProfileServicesDeps {
  db: Db;
  /** The hottest read (a user's profiles in an app) goes straight through the driver. */
  database: Pick<Database, 'prepared'>;
  /** Profiles belong to apps, and are checked against the app's schema. */
  apps: Pick<AppServices, 'repository' | 'profileSchemas'>;
  users: UsersRepository;
  audit: AuditLog;
  clock: Clock;
  profileMaxBytes: number;
  limits: ProfileLimits;
  events: EventSink;
}

export type ProfileServices = ReturnType<typeof createProfileServices>;

/** Per-app JSON profiles: writes, bulk creation, search, checks against a new schema and the user's export. */
export function createProfileServices({ db, database, apps, users, audit, clock, profileMaxBytes, limits, events }: ProfileServicesDeps) {
  const profiles = new ProfilesRepository(db, database);
  const quota = new ProfileQuota(profiles, limits);
  const shared = { db, profiles, apps: apps.repository, schemas: apps.profileSchemas, audit, quota, profileMaxBytes, events };
  return {
    profiles,
    profileService: new ProfileService(shared),
    bulkProfiles: new BulkProfileService(shared),
    profileSearch: new ProfileSearch({ profiles, apps: apps.repository }),
    schemaCheck: new ProfileSchemaCheck({ profiles, apps: apps.repository, schemas: apps.profileSchemas }),
    exportService: new ExportService({ users, exports: new ExportRepository(db), audit, now: clock }),
  };
}
