import { defineErrors } from '../../http/errors.js';

export const OidcErrors = defineErrors({
  oidcClientNotFound: { status: 404, title: 'The app is not an OpenID Connect client' },
  oidcClientExists: { status: 409, title: 'The app is already an OpenID Connect client' },
  invalidRedirectUri: { status: 400, title: 'Invalid redirect URI' },
  /** A hosted sign-in page's call whose interaction is unknown, expired, or not this browser's. */
  signInExpired: { status: 400, title: 'Sign-in request expired' },
  wrongApp: { status: 403, title: 'The token is for another app' },
});
