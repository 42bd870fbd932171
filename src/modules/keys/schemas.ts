import { Type, type Static } from 'typebox';
import type { SigningKeyRow } from '../../db/schema.js';
import { Nullable, Timestamp } from '../../http/schemas.js';
import { TOKEN_ALGORITHMS } from './algorithms.js';
import type { KeyStatus } from './key-ring.js';

const Kid = Type.String({
  description: 'Key id: the `kid` in the header of the tokens this key signs',
  examples: ['Mx4Bf0ZuPq6oQw3S8aI2cW7lVnYkR1tEhJdUgXsCzLo'],
});
const Algorithm = Type.Union(
  TOKEN_ALGORITHMS.map((alg) => Type.Literal(alg)),
  { description: 'The JWS algorithm of the tokens this key signs' },
);

export const PublicJwkSchema = Type.Object(
  {
    kty: Type.String({ description: '`OKP` (EdDSA), `EC` (ES256) or `RSA` (RS256)', examples: ['OKP'] }),
    kid: Kid,
    alg: Type.String({ examples: ['EdDSA'] }),
    use: Type.Literal('sig'),
    crv: Type.Optional(Type.String({ description: '`Ed25519` or `P-256`', examples: ['Ed25519'] })),
    x: Type.Optional(Type.String({ examples: ['11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo'] })),
    y: Type.Optional(Type.String()),
    n: Type.Optional(Type.String()),
    e: Type.Optional(Type.String()),
  },
  { title: 'PublicJwk', description: 'A public key (RFC 7517): never a private member' },
);
export type PublicJwk = Static<typeof PublicJwkSchema>;

export const JwksSchema = Type.Object(
  { keys: Type.Array(PublicJwkSchema) },
  {
    title: 'Jwks',
    examples: [
      {
        keys: [
          {
            kty: 'OKP',
            crv: 'Ed25519',
            x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
            kid: 'Mx4Bf0ZuPq6oQw3S8aI2cW7lVnYkR1tEhJdUgXsCzLo',
            alg: 'EdDSA',
            use: 'sig',
          },
        ],
      },
    ],
  },
);

export const SigningKeySchema = Type.Object(
  {
    kid: Kid,
    alg: Algorithm,
    status: Type.Union([Type.Literal('active'), Type.Literal('retiring'), Type.Literal('retired')], {
      description:
        '`active` signs new tokens; `retiring` was replaced and still verifies the tokens it signed; `retired` is refused and no longer published',
    }),
    created_at: Timestamp(),
    retires_at: Nullable(Timestamp('When a replaced key stops verifying: every token it signed has expired by then; null while active')),
  },
  { title: 'SigningKey' },
);
export type SigningKeyView = Static<typeof SigningKeySchema>;

export function toSigningKey(row: SigningKeyRow & { status: KeyStatus }): SigningKeyView {
  return {
    kid: row.kid,
    alg: row.alg as SigningKeyView['alg'],
    status: row.status,
    created_at: row.createdAt.toISOString(),
    retires_at: row.retiresAt?.toISOString() ?? null,
  };
}
