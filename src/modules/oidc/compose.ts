import { createHmac } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { SecretBox } from '../../crypto/secret-box.js';
import { inTransaction } from '../../db/transaction.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { AccountSnapshot } from '../accounts/access-checks.js';
import type { IssuedSession, SessionService } from '../accounts/session-service.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { SIGNING_KEY_PURPOSE } from '../keys/compose.js';
import type { KeyRing } from '../keys/key-ring.js';
import type { KeyRing as EncryptionKeys } from '../system/encryption-keys.js';
import { appTokenVerifier } from './app-tokens.js';
import { OidcClientService } from './client-service.js';
import { OidcClientsRepository } from './clients-repository.js';
import { OidcInteractionService, type OidcInteractionDeps } from './interaction-service.js';
import { OidcPayloadsRepository } from './payloads-repository.js';
import { OidcProviders } from './provider.js';
import { OidcKeySource } from './signing-keys.js';

export interface OidcServiceDeps {
  db: Db;
  apps: Pick<AppsRepository, 'findById'>;
  findAccount(userId: string): Promise<AccountSnapshot | undefined>;
  sessions: Pick<SessionService, 'login' | 'endSessions'>;
  otpLogin: { verify(otpToken: string, code: string, context: RequestContext): Promise<IssuedSession> };
  passkeyLogin: OidcInteractionDeps['passkeyLogin'];
  audit: AuditLog;
  ring: Pick<KeyRing, 'snapshot'>;
  encryptionKey: string | EncryptionKeys;
  /** The instance's HS256 secret, shared by every process: the provider's cookie keys derive from it. */
  jwtSecret: string;
  publicUrl: string;
  trustProxy: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export type OidcServices = ReturnType<typeof createOidcServices>;

/** The OpenID Connect provider: its storage, keys, clients (apps), hosted login, and app tokens for the profile routes. */
export function createOidcServices(deps: OidcServiceDeps) {
  const { db, audit } = deps;
  const payloads = new OidcPayloadsRepository(db);
  const clients = new OidcClientService({
    db,
    clients: new OidcClientsRepository(db),
    apps: deps.apps,
    box: new SecretBox(deps.encryptionKey, 'oidc-client-secret'),
    audit,
  });
  const keys = new OidcKeySource({
    db,
    ring: deps.ring,
    ringBox: new SecretBox(deps.encryptionKey, SIGNING_KEY_PURPOSE),
    ownBox: new SecretBox(deps.encryptionKey, 'oidc-signing-key'),
  });
  const providers = new OidcProviders({
    issuer: deps.publicUrl,
    keys,
    clients,
    payloads,
    findAccount: deps.findAccount,
    cookieKeys: [createHmac('sha256', deps.jwtSecret).update('sentinel oidc cookies').digest('base64url')],
    trustProxy: deps.trustProxy,
    accessTokenTtlSeconds: deps.accessTokenTtlSeconds,
    refreshTokenTtlSeconds: deps.refreshTokenTtlSeconds,
    endSentinelSession: async (sessionId) => {
      await inTransaction(db, async (tx) => {
        const ended = await deps.sessions.endSessions(tx, { sessionIds: [sessionId] }, 'logout');
        if (ended.length > 0)
          await audit.record({ action: 'session.logged_out', detail: { session_id: sessionId, via: 'oidc' } }, undefined, tx);
      });
    },
  });
  const interactions = new OidcInteractionService({
    providers,
    clients,
    sessions: deps.sessions,
    otpLogin: deps.otpLogin,
    passkeyLogin: deps.passkeyLogin,
    audit,
  });
  const verifyAppToken = appTokenVerifier({ providers, payloads, findAccount: deps.findAccount });
  return { providers, clients, interactions, verifyAppToken };
}
