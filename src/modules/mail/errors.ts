import { defineErrors } from '../../http/errors.js';

export const MailErrors = defineErrors({
  /** SMTP_URL is unset: nothing could deliver the link. */
  mailNotConfigured: { status: 503, title: 'Mail is not configured on this server' },
  /** A mailed link that is unknown, spent, expired, or for another purpose; the same code as a bad bearer token, as a 400. */
  invalidToken: { status: 400, title: 'Invalid or expired link' },
  /** `redirect_to` whose host is not one of the calling app's domains (or no app called). */
  redirectNotAllowed: { status: 400, title: 'redirect_to is not one of the app’s domains' },
  emailAlreadyVerified: { status: 409, title: 'Email address already verified' },
});
