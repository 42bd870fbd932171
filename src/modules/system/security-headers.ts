import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What a browser may do with an answer that is data: nothing. No script, style, frame or
 * form, and no page may frame it. (A JSON answer opened in a tab, or an HTML-looking string
 * inside one, then runs nothing.)
 */
const API_POLICY = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/**
 * The API reference at /docs (Swagger UI): its scripts, styles and images from this origin
 * only, calls to this origin only (Try it out). Styles allow inline `style` attributes, which
 * Swagger UI sets; scripts allow nothing inline.
 */
export const DOCS_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The pages Sentinel serves under /account/ (password reset, email confirmation, sign-in):
 * styles, scripts and calls from this origin only, nothing inline. `form-action` is added per
 * page by sendPage (account-pages/routes.ts), as a form may end on an app's redirect URI.
 */
export const ACCOUNT_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The operator console at /console (a single-page app built by Vite): its script and styles
 * from this origin only, nothing inline, calls to this origin only (the public HTTP API). Its
 * forms are handled by script, so none may post anywhere; no page may frame it (clickjacking
 * an operator's buttons).
 */
export const CONSOLE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** HSTS for a year, once clients reach the service over https (never on plain http, where browsers ignore it). */
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * The headers every answer carries, tuned for an API: `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer`, a deny-all content security policy (the docs and account
 * pages set their own, see DOCS_POLICY and ACCOUNT_POLICY), `Cross-Origin-Resource-Policy:
 * same-origin` (CORS requests from apps are not affected), HSTS when SENTINEL_PUBLIC_URL is
 * https, and the rest of helmet's defaults.
 *
 * helmet decides the values; it runs once, here, against a recording response, because they
 * are the same on every answer and its middleware rebuilt them on every request (about a tenth
 * of a token check's CPU: docs/benchmarks.md).
 */
export function securityHeaders({ publicUrl }: { publicUrl: string }): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet({
    contentSecurityPolicy: { useDefaults: false, directives: API_POLICY },
    referrerPolicy: { policy: 'no-referrer' },
    strictTransportSecurity: publicUrl.startsWith('https:') ? { maxAge: ONE_YEAR_SECONDS, includeSubDomains: true } : false,
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => (failure = error));
  if (failure) throw failure;
  return headers;
}

/**
 * Sets them in onRequest, as helmet's plugin did, so they are on errors and 404s too, and a
 * route that sets one of them (a page's own policy) overrides it.
 */
export async function installSecurityHeaders(app: FastifyInstance, options: { publicUrl: string }): Promise<void> {
  const headers = Object.entries(securityHeaders(options));
  const setHeaders: onRequestHookHandler = (_request, reply, done) => {
    for (const [name, value] of headers) reply.header(name, value);
    done();
  };
  app.addHook('onRequest', setHeaders);
}
