import { accountConstraintErrors } from './modules/accounts/errors.js';
import { appConstraintErrors } from './modules/apps/errors.js';

/** Every named unique constraint and the API error its violation means (see src/db/schema.ts). */
export const constraintErrors = {
  ...accountConstraintErrors,
  ...appConstraintErrors,
};
