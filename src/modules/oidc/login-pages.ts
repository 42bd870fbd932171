import type { FastifyReply, FastifyRequest } from 'fastify';
import { parse } from 'node:querystring';
import { sendPage } from '../account-pages/routes.js';
import { contextOf } from '../../http/request-context.js';
import type { TypedApp } from '../../http/types.js';
import type { InteractionView, OidcInteractionService, Step } from './interaction-service.js';
import { consentPage, errorPage, loginPage, otpPage } from './pages.js';

type Form = Record<string, string | string[] | undefined>;

function text(form: Form, name: string): string {
  const value = form[name];
  return typeof value === 'string' ? value : '';
}

const HIDDEN = { config: { auth: 'none' as const }, schema: { hide: true } };

/**
 * The hosted pages of an authorization request: sign-in (password, then TOTP when on) and
 * consent, at /account/login/:uid (the uid is the provider's interaction; its cookie is
 * scoped to that path). Forms post back here; a finished step redirects (303) to the
 * provider, which may redirect on to the app, so each page's form-action names the app's origins.
 */
export async function oidcPageRoutes(app: TypedApp, { interactions }: { interactions: OidcInteractionService }): Promise<void> {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parse(body as string));
  });

  const raw = (request: FastifyRequest, reply: FastifyReply) => ({ req: request.raw, res: reply.raw });

  /** The interaction behind the page, or an error page when it is unknown, expired or not this browser's. */
  const viewOf = async (request: FastifyRequest, reply: FastifyReply): Promise<InteractionView | undefined> => {
    try {
      const view = await interactions.view(raw(request, reply));
      if (view.uid === (request.params as { uid: string }).uid) return view;
    } catch {
      // SessionNotFound: no interaction cookie, or the interaction expired.
    }
    await sendPage(reply, errorPage('This sign-in request has expired or was opened in another browser.'), { status: 400 });
    return undefined;
  };

  const answer = (reply: FastifyReply, view: InteractionView, step: Step, login?: string) => {
    if (step.kind === 'redirect') return reply.redirect(step.to, 303);
    const options = { formActions: view.formActions };
    if (step.kind === 'otp') return sendPage(reply, otpPage({ uid: view.uid, appName: view.appName, otpToken: step.otpToken }), options);
    return sendPage(reply, loginPage({ uid: view.uid, appName: view.appName, login, error: step.error.detail ?? step.error.title }), {
      ...options,
      status: step.error.status,
    });
  };

  app.get('/account/login/:uid', HIDDEN, async (request, reply) => {
    const view = await viewOf(request, reply);
    if (!view) return reply;
    const page =
      view.prompt === 'consent'
        ? consentPage({ uid: view.uid, appName: view.appName, scopes: view.scopes })
        : loginPage({ uid: view.uid, appName: view.appName });
    return sendPage(reply, page, { formActions: view.formActions });
  });

  app.post('/account/login/:uid', HIDDEN, async (request, reply) => {
    const view = await viewOf(request, reply);
    if (!view) return reply;
    const form = (request.body ?? {}) as Form;
    const login = text(form, 'login');
    const step = await interactions.login(raw(request, reply), view, { login, password: text(form, 'password') }, contextOf(request));
    return answer(reply, view, step, login);
  });

  app.post('/account/login/:uid/otp', HIDDEN, async (request, reply) => {
    const view = await viewOf(request, reply);
    if (!view) return reply;
    const form = (request.body ?? {}) as Form;
    const otpToken = text(form, 'otp_token');
    const step = await interactions.verifyOtp(raw(request, reply), view, { otpToken, code: text(form, 'code') }, contextOf(request));
    if (step.kind !== 'failed' || step.error.code !== 'invalid_otp_code') return answer(reply, view, step);
    // A wrong code: the same challenge may try again (up to its cap).
    const page = otpPage({ uid: view.uid, appName: view.appName, otpToken, error: step.error.detail ?? step.error.title });
    return sendPage(reply, page, { formActions: view.formActions, status: 401 });
  });

  app.post('/account/login/:uid/consent', HIDDEN, async (request, reply) => {
    const view = await viewOf(request, reply);
    if (!view) return reply;
    const allow = text((request.body ?? {}) as Form, 'decision') === 'allow';
    return reply.redirect(await interactions.consent(raw(request, reply), allow, contextOf(request)), 303);
  });

  app.post('/account/login/:uid/abort', HIDDEN, async (request, reply) => {
    const view = await viewOf(request, reply);
    if (!view) return reply;
    return reply.redirect(await interactions.abort(raw(request, reply)), 303);
  });
}
