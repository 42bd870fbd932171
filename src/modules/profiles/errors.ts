import { defineErrors } from '../../http/errors.js';

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
