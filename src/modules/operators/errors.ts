import { defineErrors } from '../../http/errors.js';

export const OperatorErrors = defineErrors({
  /** None of user_id, email, username was sent (or all were empty). */
  lookupRequired: { status: 400, title: 'Say which user' },
  /** The user is soft-deleted: restore them before changing them. */
  userDeleted: { status: 409, title: 'User is deleted' },
  /** Restore and purge act on soft-deleted users only. */
  userNotDeleted: { status: 409, title: 'User is not deleted' },
  sessionNotFound: { status: 404, title: 'Session not found' },
});
