import { createSigner, createVerifier } from 'fast-jwt';
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { HttpErrors } from '../../http/errors.js';
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
 * Access tokens: HS256 JWTs carrying the original Sentinel's claims (UserID, Email,
 * Username, Operator) plus the standard ones and `sid`, the session they belong to.
 * Verification refuses a revoked session from memory, with no database round trip.
 *
 * fast-jwt computes the HMAC with node:crypto on the calling thread, about 9 µs; jose (on
 * WebCrypto) took 64-97 µs a token and a hop through libuv's thread pool, the pool argon2
 * hashes on, so a token check waited behind logins (docs/benchmarks.md).
 */
export class AccessTokens {
  private readonly sign: (payload: Record<string, unknown>) => string;
  private readonly decode: (token: string) => Record<string, unknown>;

  constructor(
    secret: string,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
    private readonly revocations: SessionRevocations,
    private readonly clock: Clock,
  ) {
    // The payload carries iat and exp from Sentinel's clock (tests move it); expiry is checked against it too.
    this.sign = createSigner({ key: secret, algorithm: 'HS256' });
    this.decode = createVerifier({
      key: secret,
      algorithms: ['HS256'],
      allowedIss: issuer,
      requiredClaims: ['sub', 'exp', 'iat', 'sid'],
      ignoreExpiration: true,
      // Tokens already verified, by SHA-256 of the whole token: a client sends the same one for
      // minutes, and a hit skips the HMAC and the JSON parse (about 7 µs of 10).
      cache: VERIFIED_TOKENS_KEPT,
    });
  }

  issue(subject: TokenSubject, sessionId: string): IssuedAccessToken {
    const issuedAt = Math.floor(this.clock().getTime() / 1000);
    const expiresAt = issuedAt + this.ttlSeconds;
    const token = this.sign({
      UserID: subject.id,
      Email: subject.email,
      Username: subject.username,
      Operator: subject.operator,
      sid: sessionId,
      sub: subject.id,
      iss: this.issuer,
      iat: issuedAt,
      exp: expiresAt,
      jti: randomUUID(),
    });
    return { token, expiresIn: this.ttlSeconds, expiresAt: new Date(expiresAt * 1000) };
  }

  /** The token's claims if it is well signed, unexpired and its session not revoked; otherwise throws a 401. */
  verify(token: string): AccessClaims {
    let payload: Record<string, unknown>;
    try {
      payload = this.decode(token);
    } catch {
      throw HttpErrors.invalidToken('The access token is not valid');
    }
    const { sub, sid, exp } = payload;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
      throw HttpErrors.invalidToken('The access token is not valid');
    }
    if (exp * 1000 <= this.clock().getTime()) throw HttpErrors.invalidToken('The access token has expired; refresh it or log in again');
    if (this.revocations.has(sid)) throw HttpErrors.invalidToken('The session has ended; log in again');
    return { userId: sub, sessionId: sid, expiresAt: new Date(exp * 1000) };
  }
}
