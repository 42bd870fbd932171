import type { TypedApp } from '../../http/types.js';
import { STYLESHEET_PATH } from './layout.js';
import { ACCOUNT_STYLESHEET } from './stylesheet.js';

// In its own file so that feature page routes can use it without importing a route file.
export { sendPage, type PageAnswer } from './send-page.js';

/** What every hosted page shares: its stylesheet. Each feature adds its own pages under /account/. */
export async function accountPageRoutes(app: TypedApp): Promise<void> {
  app.get(STYLESHEET_PATH, { config: { auth: 'none' }, schema: { hide: true } }, async (_request, reply) =>
    reply.header('content-type', 'text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(ACCOUNT_STYLESHEET),
  );
}
