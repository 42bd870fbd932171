import type { Principal } from '../../http/auth.js';
import { HttpErrors } from '../../http/errors.js';
import type { AccountSnapshot } from '../accounts/access-checks.js';
import { appIdOf } from './client-service.js';
import type { OidcPayloadsRepository } from './payloads-repository.js';
import { PROFILES_SCOPE, type OidcProviders } from './provider.js';

export interface AppTokenDeps {
  providers: OidcProviders;
  payloads: Pick<OidcPayloadsRepository, 'liveSessionOf'>;
  findAccount(userId: string): Promise<AccountSnapshot | undefined>;
}

/**
 * An app's OpenID Connect access token as a caller of the profile routes: the user it was
 * issued for, limited to the app it was issued to, and only with scope `sentinel:profiles`.
 * Its browser session must still be alive (the adapter reads ended ones as gone).
 */
export function appTokenVerifier({ providers, payloads, findAccount }: AppTokenDeps): (token: string) => Promise<Principal> {
  return async (token) => {
    const provider = await providers.current();
    const accessToken = await provider.AccessToken.find(token);
    if (!accessToken || accessToken.isExpired) throw HttpErrors.invalidToken('The access token is unknown, expired or revoked');
    if (!accessToken.scopes.has(PROFILES_SCOPE)) {
      throw HttpErrors.forbidden(`This token lacks the ${PROFILES_SCOPE} scope`);
    }
    const appId = appIdOf(accessToken.clientId ?? '');
    const user = await findAccount(accessToken.accountId);
    if (appId === undefined || !user || user.deletedAt) throw HttpErrors.invalidToken('The account of this token no longer exists');
    const sessionId = accessToken.sessionUid ? await payloads.liveSessionOf(accessToken.sessionUid) : undefined;
    return {
      userId: user.id,
      sessionId: sessionId ?? '',
      operator: false,
      email: user.email,
      username: user.username,
      expiresAt: new Date(accessToken.exp! * 1000),
      appId,
      user,
    };
  };
}
