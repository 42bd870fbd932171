import { Type } from 'typebox';
import { RECOVERY_CODE_PATTERN, TOTP_CODE_PATTERN } from './codes.js';

export const TotpCode = Type.String({
  pattern: TOTP_CODE_PATTERN,
  description: 'The 6-digit code the authenticator app shows now (no spaces)',
  examples: ['492039'],
});

const OTP_OR_RECOVERY_PATTERN = `^(${TOTP_CODE_PATTERN.slice(1, -1)}|${RECOVERY_CODE_PATTERN.slice(1, -1)})$`;

export const CodeOrRecoveryCode = Type.String({
  pattern: OTP_OR_RECOVERY_PATTERN,
  description:
    'A 6-digit TOTP code, or an unused recovery code (`XXXX-XXXX-XXXX`; any case, hyphens optional, O read as 0, I and L as 1). Anything else (spaces, 5 or 7 digits, letters in a 6-character code) is a 400.',
  examples: ['492039', '7KQM-2XHD-9TRA'],
});

export const RecoveryCodes = Type.Array(Type.String({ examples: ['7KQM-2XHD-9TRA'] }), {
  minItems: 10,
  maxItems: 10,
  description: 'Ten single-use codes, each one a substitute for a TOTP code. Shown only this once: store them safely.',
});

export const EnrollmentSchema = Type.Object(
  {
    secret: Type.String({
      description: 'Base32 secret (160 bits), for typing into the app by hand',
      examples: ['JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'],
    }),
    otpauth_url: Type.String({
      description: 'Key URI (SHA1, 6 digits, 30 s); the label is the account email',
      examples: [
        'otpauth://totp/Sentinel:johndo%40example.com?issuer=Sentinel&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
      ],
    }),
    qr_code: Type.String({
      description: 'The otpauth_url as a QR code, a PNG data URL',
      examples: ['data:image/png;base64,iVBORw0KGgo...'],
    }),
  },
  { title: 'TotpEnrollment' },
);

/** `{"code"}` or `{"password"}`, exactly one. */
export const ProofBody = Type.Object(
  {
    code: Type.Optional(CodeOrRecoveryCode),
    password: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: "The account's password" })),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    maxProperties: 1,
    description: 'Exactly one of `code` (a current TOTP code or an unused recovery code) and `password`',
    examples: [{ code: '492039' }, { password: 'correct horse battery staple' }],
  },
);

export const VerifyOtpBody = Type.Object(
  {
    otp_token: Type.String({ minLength: 1, maxLength: 256, description: 'From the `otp_required` answer of POST /auth/login' }),
    code: CodeOrRecoveryCode,
  },
  { additionalProperties: false, examples: [{ otp_token: 'otp_Yp2qM0...', code: '492039' }] },
);
