import { accountConstraintErrors } from './modules/accounts/errors.js';

/** Every named unique constraint and the API error its violation means (see src/db/schema.ts). */
export const constraintErrors = {
  ...accountConstraintErrors,
};
