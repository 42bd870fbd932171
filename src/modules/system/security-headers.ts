import type { FastifyInstance, onRequestHookHandler } from 'fastify';

/**
 * What a browser may do with an answer that is data: nothing. No script, style, frame or
 * form, and no page may frame it. (A JSON answer opened in a tab, or an HTML-looking string
 * inside one, then runs nothing.) Written as helmet wrote it (no space after `;`).
 */
const API_POLICY = "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'";

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

/** HSTS for a year, once clients reach the service over https (never on plain http, where browsers ignore it). */
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * The headers every answer carries, tuned for an API: `X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer`, a deny-all content security policy (the docs and account
 * pages set their own, see DOCS_POLICY and ACCOUNT_POLICY), `Cross-Origin-Resource-Policy:
 * same-origin` (CORS requests from apps are not affected), HSTS when SENTINEL_PUBLIC_URL is
 * https, and the rest of helmet 8's defaults, value for value.
 *
 * They are the same on every answer, so they are computed once here rather than by helmet's
 * middleware, which rebuilt its policy on every request (about a tenth of a token check's CPU:
 * docs/benchmarks.md). Set in onRequest, like helmet did, so they are on errors and 404s too,
 * and a route that sets one of them (a page's own policy) overrides it.
 */
export function securityHeaders({ publicUrl }: { publicUrl: string }): Record<string, string> {
  return {
    'content-security-policy': API_POLICY,
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'origin-agent-cluster': '?1',
    'referrer-policy': 'no-referrer',
    ...(publicUrl.startsWith('https:') ? { 'strict-transport-security': `max-age=${ONE_YEAR_SECONDS}; includeSubDomains` } : {}),
    'x-content-type-options': 'nosniff',
    'x-dns-prefetch-control': 'off',
    'x-download-options': 'noopen',
    'x-frame-options': 'SAMEORIGIN',
    'x-permitted-cross-domain-policies': 'none',
    'x-xss-protection': '0',
  };
}

export async function installSecurityHeaders(app: FastifyInstance, options: { publicUrl: string }): Promise<void> {
  const headers = Object.entries(securityHeaders(options));
  const setHeaders: onRequestHookHandler = (_request, reply, done) => {
    for (const [name, value] of headers) reply.header(name, value);
    done();
  };
  app.addHook('onRequest', setHeaders);
}
