import type { Clock } from '../../clock.js';
import type { Db } from '../../db/client.js';
import type { AuditLog } from '../audit/audit-log.js';
import { AppService } from './app-service.js';
import { AppsRepository } from './apps-repository.js';
import { AllowedOrigins } from './cors.js';
import { ProfileDataSchemas } from './profile-schemas.js';
import type { EventSink } from '../webhooks/events.js';

export interface AppServicesDeps {
  db: Db;
  audit: AuditLog;
  clock: Clock;
  events: EventSink;
}

export type AppServices = ReturnType<typeof createAppServices>;

/** Registered apps: their rows and keys, their domains (CORS) and their profile schemas. Profiles build on these. */
export function createAppServices({ db, audit, clock, events }: AppServicesDeps) {
  const repository = new AppsRepository(db);
  const allowedOrigins = new AllowedOrigins(db, clock);
  const profileSchemas = new ProfileDataSchemas(repository);
  return {
    repository,
    allowedOrigins,
    profileSchemas,
    appService: new AppService({
      db,
      apps: repository,
      audit,
      schemas: profileSchemas,
      onDomainsChanged: () => allowedOrigins.invalidate(),
      events,
    }),
  };
}
