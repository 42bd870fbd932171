import { defineErrors } from '../../http/errors.js';

export const AppErrors = defineErrors({
  appNotFound: { status: 404, title: 'App not found' },
  appNameTaken: { status: 409, title: 'App name already taken' },
  appHasProfiles: { status: 409, title: 'The app still has profiles' },
  apiKeyNotFound: { status: 404, title: 'API key not found' },
  invalidDomain: { status: 400, title: 'Invalid domain' },
  invalidProfileSchema: { status: 422, title: 'Invalid profile schema' },
});

/** The 404 of every lookup of an app by id. */
export function noSuchApp(appId: number) {
  return AppErrors.appNotFound(`No app with id ${appId}`);
}

/** Unique indexes of the apps tables, and what a clash with each means to the client (src/constraint-errors.ts). */
export const appConstraintErrors = {
  apps_name_key: { unique: () => AppErrors.appNameTaken('Another app already uses this name (names are compared regardless of case)') },
};
