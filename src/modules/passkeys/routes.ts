import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { TypedApp } from '../../http/types.js';
import { sendPage } from '../account-pages/routes.js';
import type { PasskeysServices } from './compose.js';
import { passkeyConsoleLoginRoutes } from './console-login-routes.js';
import { passkeyLoginRoutes } from './login-routes.js';
import { passkeyOperatorRoutes } from './operator-routes.js';
import { PAGE_PATH, PAGE_SCRIPT_PATH, passkeysPage, WEBAUTHN_SCRIPT_PATH } from './page.js';
import { PAGE_SCRIPT } from './page-script.js';
import { passkeyUserRoutes } from './user-routes.js';

/** Every passkey route: the user's own, the login (the API's and the console's), the operator's, and the hosted page. */
export async function passkeyRoutes(app: TypedApp, services: PasskeysServices): Promise<void> {
  await app.register(passkeyUserRoutes, services);
  await app.register(passkeyLoginRoutes, services);
  await app.register(passkeyConsoleLoginRoutes, services);
  await app.register(passkeyOperatorRoutes, services);
  await app.register(passkeyPageRoutes);
}

/** @simplewebauthn/browser's browser bundle, read once from the installed package. */
function webauthnBundle(): string {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return readFileSync(path.join(path.dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js'), 'utf8');
}

/** GET /account/passkeys and its two scripts (the page policy allows no inline script). */
async function passkeyPageRoutes(app: TypedApp): Promise<void> {
  const script = (body: string) => ({
    config: { auth: 'none' as const },
    schema: { hide: true },
    handler: async (_request: unknown, reply: FastifyReply) =>
      reply.header('content-type', 'text/javascript; charset=utf-8').header('cache-control', 'public, max-age=3600').send(body),
  });
  app.get(WEBAUTHN_SCRIPT_PATH, script(webauthnBundle()));
  app.get(PAGE_SCRIPT_PATH, script(PAGE_SCRIPT));
  app.get(PAGE_PATH, { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) => sendPage(reply, passkeysPage()));
}
