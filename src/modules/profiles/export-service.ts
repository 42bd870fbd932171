import type { Principal } from '../../http/auth.js';
import type { RequestContext } from '../../http/request-context.js';
import { AccountErrors } from '../accounts/errors.js';
import { toUser } from '../accounts/schemas.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import { toApp } from '../apps/schemas.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ExportRepository } from './export-repository.js';
import type { ProfilesRepository } from './profiles-repository.js';
import { toProfile } from './schemas.js';

export interface ExportServiceDeps {
  users: Pick<UsersRepository, 'findActiveById'>;
  profiles: Pick<ProfilesRepository, 'allOfUser'>;
  exports: ExportRepository;
  audit: AuditLog;
  now: () => Date;
}

/** Everything stored about the caller that is safe to show them (GDPR art. 15 / 20 style), in one document. */
export class ExportService {
  constructor(private readonly deps: ExportServiceDeps) {}

  async exportFor(principal: Principal, context: RequestContext) {
    const user = await this.deps.users.findActiveById(principal.userId);
    if (!user) throw AccountErrors.userNotFound('The account no longer exists');
    const [profiles, sessions, events] = [
      await this.deps.profiles.allOfUser(user.id),
      await this.deps.exports.sessionsOf(user.id),
      await this.deps.exports.securityEventsOf(user.id),
    ];
    const apps = await this.deps.exports.appsByIds([...new Set(profiles.map((profile) => profile.appId))]);
    await this.deps.audit.record(
      { action: 'user.data_exported', actorUserId: user.id, targetUserId: user.id, detail: { profiles: profiles.length } },
      context,
    );
    const { deleted_at: _deleted, ...ownView } = toUser(user);
    return {
      exported_at: this.deps.now().toISOString(),
      user: ownView,
      apps: apps.map(toApp),
      profiles: profiles.map(toProfile),
      sessions: sessions.map((session) => ({
        session_id: session.id,
        app_id: session.appId,
        created_at: session.createdAt.toISOString(),
        last_refreshed_at: session.lastRefreshedAt?.toISOString() ?? null,
        refresh_expires_at: session.refreshExpiresAt.toISOString(),
        revoked_at: session.revokedAt?.toISOString() ?? null,
        revoked_reason: session.revokedReason,
        ip: session.ip,
        user_agent: session.userAgent,
      })),
      security_events: events.map((event) => ({
        action: event.action,
        occurred_at: event.occurredAt.toISOString(),
        app_id: event.appId,
        ip: event.ip,
        user_agent: event.userAgent,
      })),
    };
  }
}
