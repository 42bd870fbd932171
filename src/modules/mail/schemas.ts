import { Type } from 'typebox';
import { Email, NewPassword } from '../accounts/schemas.js';

export const RedirectTo = Type.String({
  maxLength: 2048,
  description:
    "Where the hosted page sends the user after success: an http(s) URL on one of the calling app's domains (else 400 `redirect_not_allowed`)",
  examples: ['https://app.example.com/welcome-back'],
});

const Token = Type.String({ minLength: 1, maxLength: 256, description: 'The `token` of the mailed link', examples: ['q3V0...'] });

export const ResetRequestBody = Type.Object(
  { email: Email, redirect_to: Type.Optional(RedirectTo) },
  { additionalProperties: false, examples: [{ email: 'johndo@example.com' }] },
);

export const ResetConfirmBody = Type.Object(
  { token: Token, new_password: NewPassword },
  { additionalProperties: false, examples: [{ token: 'q3V0...', new_password: 'a new long passphrase' }] },
);

export const VerifyRequestQuery = Type.Object({ redirect_to: Type.Optional(RedirectTo) }, { additionalProperties: false });

export const VerifyConfirmBody = Type.Object({ token: Token }, { additionalProperties: false, examples: [{ token: 'q3V0...' }] });
