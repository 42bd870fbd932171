import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../http/errors.js';
import { contextOf } from '../../http/request-context.js';
import type { TypedApp } from '../../http/types.js';
import { html, type SafeHtml } from '../account-pages/html.js';
import { accountPage, alertBox, field } from '../account-pages/layout.js';
import { sendPage } from '../account-pages/send-page.js';
import type { MailServices } from './compose.js';
import type { LinkOutcome } from './password-reset-service.js';

const RESET_PATH = '/account/reset-password';
const VERIFY_PATH = '/account/verify-email';

/**
 * The pages mailed links open: plain HTML forms, no script. A GET never spends a link (mail
 * scanners fetch links before people do): each page shows a form whose POST does.
 */
export async function mailPageRoutes(app: TypedApp, services: MailServices): Promise<void> {
  const { passwordReset, emailVerification, links } = services;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const page = async (reply: FastifyReply, title: string, body: SafeHtml, link?: LinkOutcome, status = 200) => {
    const appName = link ? await links.appName(link.appId) : undefined;
    const formActions = link?.redirectTo ? [new URL(link.redirectTo).origin] : [];
    return sendPage(reply, accountPage({ title, body, ...(appName ? { appName } : {}) }), { status, formActions });
  };
  const dead = (reply: FastifyReply, title: string) =>
    page(
      reply,
      title,
      alertBox('This link is unknown, already used or expired. Ask for a new one from the app you came from.'),
      undefined,
      400,
    );
  const done = (reply: FastifyReply, title: string, message: string, link: LinkOutcome) =>
    link.redirectTo
      ? reply.code(303).header('location', link.redirectTo).header('cache-control', 'no-store').send()
      : page(reply, title, alertBox(message, 'success'), link);

  const resetForm = (token: string, error?: string) =>
    html`${error ? alertBox(error) : ''}
      <form method="post" action="${RESET_PATH}">
        ${field({ label: 'Token', name: 'token', type: 'hidden', value: token })}
        ${field({ label: 'New password', name: 'new_password', type: 'password', autocomplete: 'new-password', hint: 'At least 8 characters' })}
        <button type="submit">Set password</button>
      </form>`;

  app.get(RESET_PATH, { config: { auth: 'none' }, schema: { hide: true } }, async (request, reply) => {
    const token = tokenOf(request.query);
    const link = token ? await unlessOff(() => passwordReset.peek(token)) : undefined;
    if (!token || !link) return dead(reply, 'Set a new password');
    return page(reply, 'Set a new password', resetForm(token), link);
  });

  app.post(RESET_PATH, { config: { auth: 'none', rateLimit: {} }, schema: { hide: true } }, async (request, reply) => {
    const token = tokenOf(request.body);
    const password = stringOf(request.body, 'new_password');
    if (!token) return dead(reply, 'Set a new password');
    try {
      const link = await passwordReset.confirm(token, password, contextOf(request));
      return done(reply, 'Password set', 'Your password is set and every session has ended. Log in with the new password.', link);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_token') return dead(reply, 'Set a new password');
      if (!(error instanceof AppError) || error.status !== 400) throw error;
      // A password the rules refuse: the same form again, saying why.
      return page(reply, 'Set a new password', resetForm(token, error.detail ?? error.title), await passwordReset.peek(token), 400);
    }
  });

  app.get(VERIFY_PATH, { config: { auth: 'none' }, schema: { hide: true } }, async (request, reply) => {
    const token = tokenOf(request.query);
    const link = token ? await unlessOff(() => emailVerification.peek(token)) : undefined;
    if (!token || !link) return dead(reply, 'Confirm your email address');
    const body = html`<p>Confirm that <strong>${link.email}</strong> is your address.</p>
      <form method="post" action="${VERIFY_PATH}">
        ${field({ label: 'Token', name: 'token', type: 'hidden', value: token })}
        <button type="submit">Confirm</button>
      </form>`;
    return page(reply, 'Confirm your email address', body, link);
  });

  app.post(VERIFY_PATH, { config: { auth: 'none', rateLimit: {} }, schema: { hide: true } }, async (request, reply) => {
    const token = tokenOf(request.body);
    if (!token) return dead(reply, 'Confirm your email address');
    try {
      const result = await emailVerification.confirm(token, contextOf(request));
      return done(reply, 'Email address confirmed', `${result.user.email} is confirmed.`, result);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_token') return dead(reply, 'Confirm your email address');
      if (error instanceof AppError && error.status === 409) {
        return page(reply, 'Confirm your email address', alertBox('Another account uses this address now.'), undefined, 409);
      }
      throw error;
    }
  });
}

/** A page for a link when mail is off shows the dead-link page rather than an error. */
async function unlessOff<T>(peek: () => Promise<T>): Promise<T | undefined> {
  try {
    return await peek();
  } catch (error) {
    if (error instanceof AppError && error.code === 'mail_not_configured') return undefined;
    throw error;
  }
}

function stringOf(source: FastifyRequest['body'], name: string): string {
  const value = source && typeof source === 'object' ? (source as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

function tokenOf(source: unknown): string | undefined {
  const token = stringOf(source, 'token');
  return token.length > 0 && token.length <= 256 ? token : undefined;
}
