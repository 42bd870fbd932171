import { constraintViolationOf } from './db/errors.js';
import type { AppError } from './http/errors.js';
import { accountConstraintErrors } from './modules/accounts/errors.js';
import { appConstraintErrors } from './modules/apps/errors.js';
import { passkeyConstraintErrors } from './modules/passkeys/errors.js';
import { profileConstraintErrors } from './modules/profiles/errors.js';

/** What the violation of one named constraint means to the client. */
export interface ConstraintError {
  /** A unique index: the value is taken. */
  unique?: () => AppError;
  /** A foreign key: the row written points at one that is gone, deleted meanwhile. */
  missing?: () => AppError;
  /** A foreign key ON DELETE RESTRICT: the row deleted is still pointed at; `key` is its key, when PostgreSQL names it. */
  stillReferenced?: (key: string | undefined) => AppError;
}

/** Every named constraint a request can violate, and the API error each violation means (see src/db/schema.ts). */
export const constraintErrors: Record<string, ConstraintError> = {
  ...accountConstraintErrors,
  ...appConstraintErrors,
  ...profileConstraintErrors,
  ...passkeyConstraintErrors,
};

/** The API error a failed statement means, when it violated a constraint of the table above. */
export function constraintErrorOf(error: unknown): AppError | undefined {
  const violation = constraintViolationOf(error);
  const meaning = violation && constraintErrors[violation.constraint];
  if (!violation || !meaning) return undefined;
  if (violation.kind === 'unique') return meaning.unique?.();
  if (violation.kind === 'missing') return meaning.missing?.();
  return meaning.stillReferenced?.(violation.key);
}
