import { defineErrors } from '../../http/errors.js';
import { AppErrors } from '../apps/errors.js';

export const ProfileErrors = defineErrors({
  profileNotFound: { status: 404, title: 'Profile not found' },
  profileTooLarge: { status: 413, title: 'profile_data is too large' },
  nestingTooDeep: { status: 400, title: 'JSON nested too deeply' },
  schemaViolation: { status: 422, title: 'profile_data does not match the app schema' },
  invalidProfiles: { status: 422, title: 'Some profiles cannot be created' },
  invalidContains: { status: 400, title: 'Invalid containment filter' },
  profilesChanged: { status: 409, title: 'Users or apps changed during the request' },
  profileLimitReached: { status: 409, title: 'The user has as many profiles in this app as allowed' },
  profileBytesLimitReached: { status: 409, title: "The user's profiles would hold more data than allowed" },
});

const removedMeanwhile = () =>
  ProfileErrors.profilesChanged('A user or app was removed while the profiles were being written; nothing was written. Retry.');

/**
 * The profiles' foreign keys (src/constraint-errors.ts). A profile written for a user or app
 * that went meanwhile; and an app deleted while profiles still belong to it: the key decides,
 * ON DELETE RESTRICT, so a profile created during the delete cannot slip past a count.
 */
export const profileConstraintErrors = {
  profiles_user_id_users_id_fk: { missing: removedMeanwhile },
  profiles_app_id_apps_id_fk: {
    missing: removedMeanwhile,
    stillReferenced: (appId: string | undefined) =>
      AppErrors.appHasProfiles(
        `App ${appId ?? ''} still has profiles; delete them first (GET /operator/profiles?app_id=${appId ?? ''} lists them)`,
      ),
  },
};
