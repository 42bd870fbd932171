import { Type, type Static } from 'typebox';
import type { PasskeyRow } from '../../db/schema.js';
import { Nullable, ProblemSchema, SingleLine, Timestamp, Uuid } from '../../http/schemas.js';
import type { LoginName } from './login-service.js';

export const PasskeyId = Uuid('Passkey id (UUID)', '5b0f6a53-1d7e-4d2b-9f0a-0c7c3c1a9e21');
export const PasskeyName = SingleLine({ minLength: 1, maxLength: 100, description: 'A name the user chooses', examples: ['Laptop'] });
const Base64Url = (description: string, examples: string[] = ['dGhpcyBpcyBub3QgYSByZWFsIHZhbHVl']) =>
  Type.String({ minLength: 1, maxLength: 16_384, pattern: '^[A-Za-z0-9_-]*={0,2}$', description, examples });
const Transports = Type.Array(Type.String({ maxLength: 32, examples: ['internal'] }), {
  maxItems: 10,
  description: 'How the browser reaches the authenticator (`internal`, `hybrid`, `usb`, `nfc`, `ble`)',
});

export const PasskeySchema = Type.Object(
  {
    passkey_id: PasskeyId,
    name: Type.String({ examples: ['Laptop'] }),
    created_at: Timestamp(),
    last_used_at: Nullable(Timestamp('When it last signed in; null if never')),
    backed_up: Type.Boolean({
      description: 'Synced by a passkey provider (multi-device), as the authenticator reports it',
      examples: [true],
    }),
    transports: Transports,
  },
  { title: 'Passkey' },
);

export function toPasskey(row: PasskeyRow): Static<typeof PasskeySchema> {
  return {
    passkey_id: row.id,
    name: row.name,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    backed_up: row.backedUp,
    transports: row.transports,
  };
}

export const PasskeyListSchema = Type.Object(
  {
    passkeys: Type.Array(PasskeySchema),
    password_set: Type.Boolean({ description: 'Whether the account still has a password', examples: [true] }),
  },
  { title: 'PasskeyList' },
);

export function toPasskeyList(list: { passkeys: PasskeyRow[]; passwordSet: boolean }): Static<typeof PasskeyListSchema> {
  return { passkeys: list.passkeys.map(toPasskey), password_set: list.passwordSet };
}

const Descriptor = Type.Object({
  id: Type.String(),
  type: Type.String({ examples: ['public-key'] }),
  transports: Type.Optional(Transports),
});
const Extensions = Type.Object({ credProps: Type.Optional(Type.Boolean()) });

/** PublicKeyCredentialCreationOptionsJSON (WebAuthn Level 3): pass to `startRegistration({ optionsJSON })`. */
export const CreationOptionsSchema = Type.Object(
  {
    rp: Type.Object({ id: Type.Optional(Type.String({ examples: ['example.com'] })), name: Type.String({ examples: ['Sentinel'] }) }),
    user: Type.Object({ id: Type.String(), name: Type.String(), displayName: Type.String() }),
    challenge: Type.String({ description: 'base64url, single-use, valid 5 minutes' }),
    pubKeyCredParams: Type.Array(Type.Object({ alg: Type.Integer(), type: Type.String({ examples: ['public-key'] }) })),
    timeout: Type.Optional(Type.Integer()),
    excludeCredentials: Type.Optional(Type.Array(Descriptor, { description: 'The passkeys the user already has' })),
    authenticatorSelection: Type.Optional(
      Type.Object({
        authenticatorAttachment: Type.Optional(Type.String()),
        residentKey: Type.Optional(Type.String()),
        requireResidentKey: Type.Optional(Type.Boolean()),
        userVerification: Type.Optional(Type.String()),
      }),
    ),
    hints: Type.Optional(Type.Array(Type.String())),
    attestation: Type.Optional(Type.String()),
    extensions: Type.Optional(Extensions),
  },
  { title: 'PasskeyCreationOptions' },
);

/** PublicKeyCredentialRequestOptionsJSON: pass to `startAuthentication({ optionsJSON })`. */
export const RequestOptionsSchema = Type.Object(
  {
    challenge: Type.String({ description: 'base64url, single-use, valid 5 minutes' }),
    timeout: Type.Optional(Type.Integer()),
    rpId: Type.Optional(Type.String({ examples: ['example.com'] })),
    allowCredentials: Type.Optional(Type.Array(Descriptor, { description: 'Empty for a usernameless login' })),
    userVerification: Type.Optional(Type.String()),
    hints: Type.Optional(Type.Array(Type.String())),
    extensions: Type.Optional(Extensions),
  },
  { title: 'PasskeyRequestOptions' },
);

const ClientExtensionResults = Type.Object({}, { additionalProperties: true, description: 'As the browser reports them' });

/** RegistrationResponseJSON, as `startRegistration()` of @simplewebauthn/browser returns it. */
export const RegistrationCredential = Type.Object(
  {
    id: Base64Url('The credential id'),
    rawId: Base64Url('The credential id'),
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: Base64Url('Client data (origin, challenge)'),
      attestationObject: Base64Url('Attestation object (the new public key)'),
      authenticatorData: Type.Optional(Base64Url('Authenticator data')),
      transports: Type.Optional(Transports),
      publicKeyAlgorithm: Type.Optional(Type.Integer()),
      publicKey: Type.Optional(Base64Url('SPKI public key')),
    }),
    authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
    clientExtensionResults: ClientExtensionResults,
  },
  { title: 'PasskeyRegistrationCredential' },
);

/** AuthenticationResponseJSON, as `startAuthentication()` returns it. */
export const AuthenticationCredential = Type.Object(
  {
    id: Base64Url('The credential id'),
    rawId: Base64Url('The credential id'),
    type: Type.Literal('public-key'),
    response: Type.Object({
      clientDataJSON: Base64Url('Client data (origin, challenge)'),
      authenticatorData: Base64Url('Authenticator data (RP ID hash, flags, counter)'),
      signature: Base64Url('The signature over authenticatorData and the client data hash'),
      userHandle: Type.Optional(Base64Url('The user handle stored with a discoverable passkey')),
    }),
    authenticatorAttachment: Type.Optional(Type.Union([Type.Literal('platform'), Type.Literal('cross-platform')])),
    clientExtensionResults: ClientExtensionResults,
  },
  { title: 'PasskeyAuthenticationCredential' },
);

export const LoginId = Uuid('The login attempt this challenge belongs to; send it back with the answer');

/** The options of a passkey login: empty for a usernameless one, or the account's email or username. */
export const LoginOptionsBody = Type.Object(
  {
    email: Type.Optional(SingleLine({ minLength: 1, maxLength: 320, examples: ['johndo@example.com'] })),
    username: Type.Optional(SingleLine({ minLength: 1, maxLength: 320 })),
  },
  { additionalProperties: false, maxProperties: 1, examples: [{}, { email: 'johndo@example.com' }] },
);

export function loginNameOf({ email, username }: Static<typeof LoginOptionsBody>): LoginName {
  return email ? { email } : username ? { username } : {};
}

export const LoginOptionsSchema = Type.Object({ login_id: LoginId, options: RequestOptionsSchema });

/** A started passkey login as the options routes answer it. */
export function toLoginOptions<Options>({ loginId, options }: { loginId: string; options: Options }) {
  return { login_id: loginId, options };
}

export const LoginVerifyBody = Type.Object(
  { login_id: LoginId, credential: AuthenticationCredential },
  {
    additionalProperties: false,
    examples: [
      {
        login_id: '0b5c2c7e-8d43-4c52-9a57-1c2f5a0d7e11',
        credential: {
          id: 'q2d6Yw',
          rawId: 'q2d6Yw',
          type: 'public-key',
          response: { clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0', authenticatorData: 'SZYN5YgO', signature: 'MEUCIQ' },
          clientExtensionResults: {},
        },
      },
    ],
  },
);

export const PasskeyRateLimited = {
  ...ProblemSchema,
  description:
    'Too many attempts from this address (`rate_limited`), or the account is locked after failed logins (`account_locked`); see Retry-After',
};
