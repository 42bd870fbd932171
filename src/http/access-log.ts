import type { FastifyInstance } from 'fastify';

/**
 * One log line per request, written once the answer has gone, with what Fastify's own two
 * lines ("incoming request", "request completed") held between them: method, URL, client,
 * status and time. Fastify's are turned off (`disableRequestLogging`); a line costs a
 * formatted write on every request, and the token check is cheap enough for that to show.
 */
export function installAccessLog(app: FastifyInstance): void {
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    done();
  });
}
