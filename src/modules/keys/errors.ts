import { defineErrors } from '../../http/errors.js';

export const KeyErrors = defineErrors({
  /** POST /operator/keys/rotate while HS256 signs: its secret is configuration, not a key to rotate. */
  keyRotationUnavailable: { status: 409, title: 'Signing keys cannot be rotated under HS256' },
});
