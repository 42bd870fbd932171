import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { HttpErrors } from '../../http/errors.js';
import type { TypedApp } from '../../http/types.js';
import { CONSOLE_POLICY } from '../system/security-headers.js';

/** Where `npm run build` puts the console (console/vite.config.ts): the same from src/ (tsx) and dist/. */
export const CONSOLE_DIST = fileURLToPath(new URL('../../../dist/console/', import.meta.url));

/**
 * GET /console: the operator console, a single-page app that only calls the public API. Its
 * files are served as built (hashed assets cached for a year); any other path under
 * /console/ answers its index.html, so a reload of /console/users/<id> works. Everything here
 * carries the console's own content security policy; the API keeps its deny-all one.
 */
export async function consoleRoutes(app: TypedApp, { root = CONSOLE_DIST }: { root?: string } = {}): Promise<void> {
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', CONSOLE_POLICY);
  });
  const options = { config: { auth: 'none' as const }, schema: { hide: true } };

  if (!existsSync(`${root}/index.html`)) {
    const notBuilt = async () => {
      throw HttpErrors.unavailable('The console is not built: run `npm run build` (npm install runs it)');
    };
    app.get('/console', options, notBuilt);
    app.get('/console/*', options, notBuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root,
    prefix: '/console/',
    // Only the files there at start get routes; the rest of /console/ is the app's own paths.
    wildcard: false,
    index: false,
    // Vite names each asset by its hash: it never changes under that name.
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      reply.header('cache-control', filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  const index = async (request: FastifyRequest, reply: FastifyReply) => {
    // A missing asset is a 404, not the app's page in place of a script.
    if (request.url.startsWith('/console/assets/')) throw HttpErrors.notFound('No such console file');
    return reply.header('cache-control', 'no-cache').sendFile('index.html', root);
  };
  app.get('/console', options, index);
  app.get('/console/*', options, index);
}
