import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

/** The claims of a Sentinel access token: the original's, and the standard ones. */
export interface SentinelClaims extends JWTPayload {
  UserID: string;
  Email: string;
  Username: string;
  Operator: boolean;
  /** The user id. */
  sub: string;
  /** The session id: GET /auth/verify tells whether it has ended. */
  sid: string;
  iss: string;
  iat: number;
  exp: number;
  jti: string;
}

export type VerifyOptions =
  | {
      /** `SENTINEL_JWT_ISSUER` of the server (default `sentinel`). */
      issuer: string;
      /** `<sentinel>/.well-known/jwks.json`: for EdDSA, ES256 or RS256 servers. */
      jwksUrl: string | URL;
      currentDate?: Date;
    }
  | {
      issuer: string;
      /** The server's SENTINEL_JWT_SECRET, for HS256 servers. Whoever holds it can mint tokens: prefer a key pair. */
      secret: string | Uint8Array;
      currentDate?: Date;
    };

/** Why a token was refused: `expired`, or `invalid` (bad signature, unknown or retired key, wrong issuer, malformed). */
export class InvalidAccessTokenError extends Error {
  override name = 'InvalidAccessTokenError';
  constructor(
    readonly reason: 'expired' | 'invalid' | 'keys_unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const KEY_PAIR_ALGORITHMS = ['EdDSA', 'ES256', 'RS256'];
// jose's remote key set caches the keys and fetches again when a token names a kid it lacks.
const keySets = new Map<string, JWTVerifyGetKey>();

function keySet(url: string | URL): JWTVerifyGetKey {
  const href = url.toString();
  let set = keySets.get(href);
  if (!set) {
    // A short cooldown: right after a rotation a new kid arrives, and must not wait 30 s (jose's default).
    set = createRemoteJWKSet(new URL(href), { cooldownDuration: 1000 });
    keySets.set(href, set);
  }
  return set;
}

/**
 * Verifies a Sentinel access token locally, with no request to Sentinel (once the keys are
 * cached). A token stays valid until its `exp` even after the user logs out or the session
 * is revoked; when that matters, ask `GET /auth/verify`, the instant check.
 */
export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<SentinelClaims> {
  const common = {
    issuer: options.issuer,
    requiredClaims: ['sub', 'sid', 'exp', 'iat'],
    ...(options.currentDate ? { currentDate: options.currentDate } : {}),
  };
  let payload: JWTPayload;
  try {
    if ('jwksUrl' in options) {
      ({ payload } = await jwtVerify(token, keySet(options.jwksUrl), { ...common, algorithms: KEY_PAIR_ALGORITHMS }));
    } else {
      const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
      ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ['HS256'] }));
    }
  } catch (error) {
    if (error instanceof errors.JWTExpired) throw new InvalidAccessTokenError('expired', 'The access token has expired', { cause: error });
    if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
      throw new InvalidAccessTokenError('keys_unavailable', 'The key set could not be fetched', { cause: error });
    }
    throw new InvalidAccessTokenError('invalid', 'The access token is not valid', { cause: error });
  }
  if (!isSentinelClaims(payload)) throw new InvalidAccessTokenError('invalid', 'The access token lacks Sentinel claims');
  return payload;
}

function isSentinelClaims(payload: JWTPayload): payload is SentinelClaims {
  const { UserID, Email, Username, Operator, sub, sid } = payload as Record<string, unknown>;
  return (
    typeof UserID === 'string' &&
    typeof Email === 'string' &&
    typeof Username === 'string' &&
    typeof Operator === 'boolean' &&
    typeof sub === 'string' &&
    typeof sid === 'string'
  );
}
