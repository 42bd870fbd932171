import type { FastifyInstance, onSendHookHandler } from 'fastify';

/**
 * A 304 has no content (RFC 9110 15.4.5): Fastify strips Content-Type and Content-Length
 * from a 204 but not from a 304, where a handler's `send(null)` would announce four bytes of
 * JSON that never come. Whatever a route hands over, a 304 goes out with headers only.
 *
 * Installed on the routes that declare a 304 only: a hook on every route would cost every
 * answer a step (static files under /docs and /console answer their own 304s).
 */
export function installNotModified(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const responses = route.schema?.response as Record<string, unknown> | undefined;
    if (!responses?.['304']) return;
    route.onSend = [...[route.onSend ?? []].flat(), headersOnly];
  });
}

const headersOnly: onSendHookHandler = (_request, reply, payload, done) => {
  if (reply.statusCode !== 304) return done(null, payload);
  reply.removeHeader('content-type');
  reply.removeHeader('content-length');
  done(null, null);
};
