import type { UserRow } from '../../db/schema.js';
import type { Principal } from '../../http/auth.js';
import type { RequestContext } from '../../http/request-context.js';
import { AccountErrors } from '../accounts/errors.js';
import { toUser, UserSchema } from '../accounts/schemas.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import { toApp } from '../apps/schemas.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ExportedProfile, ExportRepository, SessionKey } from './export-repository.js';
import { chunked, jsonElements, pages } from './json-stream.js';

export interface ExportServiceDeps {
  users: Pick<UsersRepository, 'findActiveById'>;
  exports: ExportRepository;
  audit: AuditLog;
  now: () => Date;
}

/** An export ready to send: whose it is, and the document as chunks of JSON text. */
export interface UserExport {
  userId: string;
  chunks: AsyncIterable<string>;
}

/**
 * Profiles per page: a profile may hold 256 KiB (SENTINEL_PROFILE_MAX_BYTES), so a page
 * stays within a few MiB however large the export is.
 */
const PROFILE_PAGE = 32;
const PAGE = 500;

type SessionRow = Awaited<ReturnType<ExportRepository['sessionsPage']>>[number];
type EventRow = Awaited<ReturnType<ExportRepository['securityEventsPage']>>[number];

/**
 * Everything stored about the caller that is safe to show them (GDPR art. 15 / 20 style), in
 * one JSON document written as a stream: the lists are read a page at a time while the
 * document goes out, so a user with hundreds of MiB of profiles costs a page of memory.
 * Profiles are those that existed when the export started (later ones are left out).
 */
export class ExportService {
  constructor(private readonly deps: ExportServiceDeps) {}

  /** Checks and records the export before the first byte, so those failures still get a proper answer. */
  async exportFor(principal: Principal, context: RequestContext): Promise<UserExport> {
    const user = await this.deps.users.findActiveById(principal.userId);
    if (!user) throw AccountErrors.userNotFound('The account no longer exists');
    const extent = await this.deps.exports.profileExtent(user.id);
    await this.deps.audit.record(
      { action: 'user.data_exported', actorUserId: user.id, targetUserId: user.id, detail: { profiles: extent.count } },
      context,
    );
    return { userId: user.id, chunks: chunked(this.document(user, extent.lastSeq)) };
  }

  /** The members in the order of ExportSchema, and in each object the order of its schema. */
  private async *document(user: UserRow, lastSeq: number): AsyncGenerator<string> {
    const { exports } = this.deps;
    const apps = await exports.appsOfUser(user.id);
    const head = { exported_at: this.deps.now().toISOString(), user: ownView(user), apps: apps.map(toApp) };
    yield `${JSON.stringify(head).slice(0, -1)},"profiles":[`;
    const profileRows = pages(
      (after: number | undefined) => exports.profilesPage(user.id, after ?? 0, lastSeq, PROFILE_PAGE),
      (row) => row.seq,
      PROFILE_PAGE,
    );
    yield* jsonElements(profileRows, (row) => profileJson(user.id, row));
    yield '],"sessions":[';
    const sessionRows = pages(
      (after: SessionKey | undefined) => exports.sessionsPage(user.id, after, PAGE),
      (row) => ({ at: row.at, id: row.id }),
      PAGE,
    );
    yield* jsonElements(sessionRows, sessionJson);
    yield '],"security_events":[';
    const eventRows = pages(
      (after: number | undefined) => exports.securityEventsPage(user.id, after ?? 0, PAGE),
      (row) => row.id,
      PAGE,
    );
    yield* jsonElements(eventRows, eventJson);
    yield ']}';
  }
}

/** The User object without deleted_at (an exporting account is never deleted), in UserSchema's order and fields only. */
function ownView(user: UserRow): Record<string, unknown> {
  const full = toUser(user) as Record<string, unknown>;
  return Object.fromEntries(Object.keys(UserSchema.properties).map((key) => [key, full[key]]));
}

/** A Profile object; profile_data is copied in as PostgreSQL printed it (valid JSON), never parsed here. */
function profileJson(userId: string, row: ExportedProfile): string {
  const before = JSON.stringify({ profile_id: row.id, user_id: userId, app_id: row.appId });
  const after = JSON.stringify({ version: row.version, created_at: row.createdAt.toISOString(), updated_at: row.updatedAt.toISOString() });
  return `${before.slice(0, -1)},"profile_data":${row.data},${after.slice(1)}`;
}

function sessionJson(session: SessionRow): string {
  return JSON.stringify({
    session_id: session.id,
    app_id: session.appId,
    created_at: session.createdAt.toISOString(),
    last_refreshed_at: session.lastRefreshedAt?.toISOString() ?? null,
    refresh_expires_at: session.refreshExpiresAt.toISOString(),
    revoked_at: session.revokedAt?.toISOString() ?? null,
    revoked_reason: session.revokedReason,
    ip: session.ip,
    user_agent: session.userAgent,
  });
}

function eventJson(event: EventRow): string {
  return JSON.stringify({
    action: event.action,
    occurred_at: event.occurredAt.toISOString(),
    app_id: event.appId,
    ip: event.ip,
    user_agent: event.userAgent,
  });
}
