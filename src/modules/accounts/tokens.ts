import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
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

/** What a valid access token says: whose it is and which session it belongs to. */
export interface AccessClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

/** Verified tokens remembered per process (about 1 KB each). */
const VERIFIED_TOKENS_KEPT = 10_000;

/**
 * Access tokens: JWTs (HS256, or a key pair's algorithm naming its kid: see ../keys) carrying
 * the original Sentinel's claims (UserID, Email, Username, Operator) plus the standard ones
 * and `sid`, the session they belong to.
 * Verification refuses a revoked session from memory, with no database round trip.
 *
 * A client sends the same token for minutes, so tokens whose signature checked out are
 * remembered (bounded, least recently used dropped first): a hit skips the signature check, which on
 * WebCrypto costs 60-200 µs and a hop through the thread pool argon2 hashes on
 * (docs/benchmarks.md). Expiry and revocation are checked on every call, hit or not; a
 * retired key retires after its tokens have expired, so no remembered token outlives it.
 */
export class AccessTokens {
  private readonly verified = new LRUCache<string, AccessClaims>({ max: VERIFIED_TOKENS_KEPT });

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

  /** The token's claims if it is well signed, unexpired and its session not revoked; otherwise throws a 401. */
  async verify(token: string): Promise<AccessClaims> {
    return this.verifyRemembered(token) ?? this.live(token, await this.checkSignature(token));
  }

  /**
   * verify without waiting, for a token whose signature this process has already checked:
   * its claims (or the same 401 as verify), or undefined when the signature must be checked.
   */
  verifyRemembered(token: string): AccessClaims | undefined {
    const claims = this.verified.get(token);
    return claims && this.live(token, claims);
  }

  private live(token: string, claims: AccessClaims): AccessClaims {
    if (claims.expiresAt.getTime() <= this.clock().getTime()) {
      this.verified.delete(token);
      throw HttpErrors.invalidToken('The access token has expired; refresh it or log in again');
    }
    if (this.revocations.has(claims.sessionId)) throw HttpErrors.invalidToken('The session has ended; log in again');
    return claims;
  }

  private async checkSignature(token: string): Promise<AccessClaims> {
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
    const { sub, sid, exp } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
      throw HttpErrors.invalidToken('The access token is not valid');
    }
    const claims = { userId: sub, sessionId: sid, expiresAt: new Date(exp * 1000) };
    this.verified.set(token, claims);
    return claims;
  }
}
