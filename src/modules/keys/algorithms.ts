import { generateKeyPair as generateKeyPairCallback, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** What may sign an access token: the original's HS256, or a key pair whose public half apps fetch. */
export const TOKEN_ALGORITHMS = ['HS256', 'EdDSA', 'ES256', 'RS256'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];
export type KeyPairAlgorithm = Exclude<TokenAlgorithm, 'HS256'>;

/**
 * The kid of the row that stands for the HS256 secret. HS256 tokens carry no kid (as the
 * original's did not); this name only labels the row in listings.
 */
export const HS256_KID = 'hs256';

export function isTokenAlgorithm(value: unknown): value is TokenAlgorithm {
  return (TOKEN_ALGORITHMS as readonly unknown[]).includes(value);
}

export interface GeneratedKey {
  /** RFC 7638 thumbprint of the public key: the same key always gets the same kid. */
  kid: string;
  alg: KeyPairAlgorithm;
  /** The public key as a JWK (kty, crv, x, y, n, e): never a private member. */
  publicJwk: JWK;
  /** PKCS#8 PEM, to be sealed before it is stored. */
  privatePem: string;
}

const generateKeyPair = promisify(generateKeyPairCallback) as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

// RS256 keys of 2048 bits: the size RFC 7518 requires at least, and what Auth0 and Keycloak issue.
const KEY_PAIRS: Record<KeyPairAlgorithm, [string, Record<string, unknown>]> = {
  EdDSA: ['ed25519', {}],
  ES256: ['ec', { namedCurve: 'P-256' }],
  RS256: ['rsa', { modulusLength: 2048 }],
};

export async function generateSigningKey(alg: KeyPairAlgorithm): Promise<GeneratedKey> {
  const [type, options] = KEY_PAIRS[alg];
  const { publicKey, privateKey } = await generateKeyPair(type, options);
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
  return {
    kid: await calculateJwkThumbprint(publicJwk),
    alg,
    publicJwk,
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}
