import type { Principal } from '../../http/auth.js';
import { HttpErrors } from '../../http/errors.js';
import type { ChangeAwareCache } from './change-aware-cache.js';
import type { AccessTokens } from './tokens.js';

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
    const claims = await tokens.verify(token);
    // Only a holder of the signing key can name another user's session, or one that never
    // existed; the check is cheap, so it is made all the same. Ids that are not UUIDs are not
    // sent to the database, which would refuse them with an error.
    if (!UUID.test(claims.sessionId) || !UUID.test(claims.userId)) throw HttpErrors.invalidToken('The access token is not valid');
    const session = sessions.cached(claims.sessionId) ?? (await sessions.load(claims.sessionId));
    if (!session || session.userId !== claims.userId) throw HttpErrors.invalidToken('The access token is not valid');
    if (session.ended) throw HttpErrors.invalidToken('The session has ended; log in again');
    const user = accounts.cached(claims.userId) ?? (await accounts.load(claims.userId));
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
}
