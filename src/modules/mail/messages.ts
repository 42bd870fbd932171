import { html, type SafeHtml } from '../account-pages/html.js';
import type { MailContent } from './outbox.js';

/** Who the mail speaks for: the app the user came through, or Sentinel. */
export interface Brand {
  appName?: string | undefined;
}

const nameOf = (brand: Brand) => brand.appName ?? 'Sentinel';

/** Plain text and HTML saying the same thing; every value in the HTML is escaped. */
function compose(brand: Brand, subject: string, paragraphs: string[], link?: { url: string; label: string }): MailContent {
  const name = nameOf(brand);
  const text = [...paragraphs, ...(link ? [`${link.label}:\n${link.url}`] : []), `— ${name}`].join('\n\n');
  const body: SafeHtml = html`<!doctype html>
    <html lang="en">
      <body style="font-family: sans-serif; line-height: 1.5">
        <p><strong>${name}</strong></p>
        ${paragraphs.map((paragraph) => html`<p>${paragraph}</p>`)}
        ${
          link
            ? html`<p><a href="${link.url}">${link.label}</a></p>
                <p>${link.url}</p>`
            : ''
        }
      </body>
    </html>`;
  return { subject: `${subject} · ${name}`, text: `${text}\n`, html: body.value };
}

const IGNORE = 'If you did not ask for this, ignore this mail: nothing changes.';
const ALARM = 'If this was not you, reset your password at once and contact the people who run this service.';

export const Mails = {
  passwordReset: (brand: Brand, url: string) =>
    compose(
      brand,
      'Reset your password',
      [`Someone asked to reset the password of your ${nameOf(brand)} account.`, 'The link works once, for one hour.', IGNORE],
      { url, label: 'Set a new password' },
    ),
  verifyEmail: (brand: Brand, url: string) =>
    compose(brand, 'Confirm your email address', ['Confirm that this address is yours.', 'The link works once, for 24 hours.', IGNORE], {
      url,
      label: 'Confirm your email address',
    }),
  emailChange: (brand: Brand, url: string) =>
    compose(
      brand,
      'Confirm your new email address',
      [
        `Someone asked to use this address for a ${nameOf(brand)} account. It takes effect once you confirm.`,
        'The link works once, for 24 hours.',
        IGNORE,
      ],
      { url, label: 'Confirm your new email address' },
    ),
  passwordChanged: (brand: Brand) => compose(brand, 'Your password was changed', ['The password of your account was just changed.', ALARM]),
  passwordWasReset: (brand: Brand) =>
    compose(brand, 'Your password was reset', ['The password of your account was just reset, and every session ended.', ALARM]),
  otpDisabled: (brand: Brand) =>
    compose(brand, 'Two-factor login was turned off', ['Two-factor login (TOTP) was just turned off for your account.', ALARM]),
  emailChanged: (brand: Brand, newEmail: string) =>
    compose(brand, 'Your email address was changed', [
      `Your account now uses ${newEmail}; mail about it no longer comes to this address.`,
      ALARM,
    ]),
};
