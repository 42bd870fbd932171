import type { Principal } from '../../http/auth.js';
import { HttpErrors } from '../../http/errors.js';
import type { ChangeAwareCache } from './change-aware-cache.js';
import type { AccessClaims, AccessTokens } from './tokens.js';

/** The account a token check answers with: what the users table holds, but never the password. */
export type AccountSnapshot = Principal['user'];

/** What a token check needs of a session: whose it is, and whether it has ended. */
export interface SessionOwner {
  userId: string;
  ended: boolean;
}

export interface AccessCheckDeps {
  tokens: AccessTokens;
  accounts: ChangeAwareCache<AccountSnapshot>;
  sessions: ChangeAwareCache<SessionOwner>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Turns a bearer token into the caller: a valid signature, a live session that belongs to
 * the token's user, and that user's account as it is now (a changed email or operator role
 * shows at once, a deleted account is refused). Sessions and accounts come from caches that
 * the database invalidates, so a check normally costs no round trip.
 */
export class AccessChecks {
  constructor(private readonly deps: AccessCheckDeps) {}

  async verify(token: string): Promise<Principal> {
    const { tokens, accounts, sessions } = this.deps;
    const claims = checkIds(await tokens.verify(token));
    checkSession(claims, sessions.cached(claims.sessionId) ?? (await sessions.load(claims.sessionId)));
    return principalOf(claims, accounts.cached(claims.userId) ?? (await accounts.load(claims.userId)));
  }

  /**
   * verify without waiting, when everything it needs is in memory (a token seen before, its
   * session and account cached): the same Principal or 401, or undefined when verify must
   * read. The auth guard tries this first, so a repeated token costs no promise.
   */
  verifyCached(token: string): Principal | undefined {
    const { tokens, accounts, sessions } = this.deps;
    const remembered = tokens.verifyRemembered(token);
    if (!remembered) return undefined;
    const claims = checkIds(remembered);
    const session = sessions.cached(claims.sessionId);
    if (!session) return undefined;
    checkSession(claims, session);
    const user = accounts.cached(claims.userId);
    return user && principalOf(claims, user);
  }
}

// Only a holder of the signing key can name another user's session, or one that never
// existed; the check is cheap, so it is made all the same. Ids that are not UUIDs are not
// sent to the database, which would refuse them with an error.
function checkIds(claims: AccessClaims): AccessClaims {
  if (!UUID.test(claims.sessionId) || !UUID.test(claims.userId)) throw HttpErrors.invalidToken('The access token is not valid');
  return claims;
}

function checkSession(claims: AccessClaims, session: SessionOwner | undefined): void {
  if (!session || session.userId !== claims.userId) throw HttpErrors.invalidToken('The access token is not valid');
  if (session.ended) throw HttpErrors.invalidToken('The session has ended; log in again');
}

function principalOf(claims: AccessClaims, user: AccountSnapshot | undefined): Principal {
  if (!user || user.deletedAt) throw HttpErrors.invalidToken('The account no longer exists');
  return {
    userId: user.id,
    sessionId: claims.sessionId,
    operator: user.operator,
    email: user.email,
    username: user.username,
    expiresAt: claims.expiresAt,
    user,
  };
}
