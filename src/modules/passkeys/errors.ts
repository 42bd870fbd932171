import { defineErrors } from '../../http/errors.js';

export const PasskeyErrors = defineErrors({
  /** A registration or login whose challenge is unknown, expired, already used, or was issued to another session, attempt or app. */
  invalidPasskeyChallenge: { status: 401, title: 'Invalid or expired passkey challenge' },
  /** An assertion that does not verify: unknown credential, bad signature, wrong origin or RP ID, no user verification, a counter that went backwards. */
  invalidPasskey: { status: 401, title: 'Passkey not accepted' },
  /** A registration response that does not verify (wrong origin, challenge, RP ID, no user verification). */
  passkeyRegistrationFailed: { status: 400, title: 'Passkey registration failed' },
  passkeyExists: { status: 409, title: 'Passkey already registered' },
  passkeyNotFound: { status: 404, title: 'Passkey not found' },
  /** Deleting the last passkey of an account without a password would lock its owner out. */
  lastWayIn: { status: 409, title: 'Last way to sign in' },
  /** Dropping the password needs a passkey first. */
  passkeyRequired: { status: 409, title: 'A passkey is required' },
  passwordNotSet: { status: 409, title: 'No password to remove' },
});

/** Unique indexes of the passkeys tables (src/constraint-errors.ts). */
export const passkeyConstraintErrors = {
  passkeys_credential_id_key: { unique: () => PasskeyErrors.passkeyExists('This passkey is already registered') },
};
