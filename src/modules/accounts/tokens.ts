import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { Principal } from '../../http/auth.js';
import { HttpErrors } from '../../http/errors.js';
import { TOKEN_ALGORITHMS } from '../keys/algorithms.js';
import { KeysUnavailableError, type TokenKeys } from '../keys/key-ring.js';
import type { SessionRevocations } from './revocations.js';

export interface TokenSubject {
  id: string;
  email: string;
  username: string;
  operator: boolean;
}

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  expiresAt: Date;
}

/**
 * Access tokens: JWTs (HS256, or a key pair's algorithm naming its kid: see ../keys) carrying
 * the original Sentinel's claims (UserID, Email, Username, Operator) plus the standard ones
 * and `sid`, the session they belong to.
 * Verification refuses a revoked session from memory, with no database round trip.
 */
export class AccessTokens {
  constructor(
    private readonly keys: TokenKeys,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
    private readonly revocations: SessionRevocations,
    private readonly clock: Clock,
  ) {}

  async issue(subject: TokenSubject, sessionId: string): Promise<IssuedAccessToken> {
    const issuedAt = Math.floor(this.clock().getTime() / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const { key, header } = await this.keys.signingKey();
    const token = await new SignJWT({
      UserID: subject.id,
      Email: subject.email,
      Username: subject.username,
      Operator: subject.operator,
      sid: sessionId,
    })
      .setProtectedHeader(header)
      .setSubject(subject.id)
      .setIssuer(this.issuer)
      .setIssuedAt(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(key);
    return { token, expiresIn: this.ttlSeconds, expiresAt: new Date(expiresAt * 1000) };
  }

  async verify(token: string): Promise<Principal> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, (header) => this.keys.verificationKey(header), {
        algorithms: [...TOKEN_ALGORITHMS],
        issuer: this.issuer,
        currentDate: this.clock(),
        requiredClaims: ['sub', 'exp', 'iat', 'sid'],
      }));
    } catch (error) {
      if (error instanceof KeysUnavailableError) throw error.cause;
      const expired = error instanceof joseErrors.JWTExpired;
      throw HttpErrors.invalidToken(expired ? 'The access token has expired; refresh it or log in again' : 'The access token is not valid');
    }
    const { sub, sid, exp, Email, Username, Operator } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number' || typeof Operator !== 'boolean') {
      throw HttpErrors.invalidToken('The access token is not valid');
    }
    if (this.revocations.has(sid)) throw HttpErrors.invalidToken('The session has ended; log in again');
    return {
      userId: sub,
      sessionId: sid,
      operator: Operator,
      email: typeof Email === 'string' ? Email : '',
      username: typeof Username === 'string' ? Username : '',
      expiresAt: new Date(exp * 1000),
    };
  }
}
