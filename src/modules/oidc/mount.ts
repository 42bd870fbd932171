import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { TypedApp } from '../../http/types.js';
import { LOGOUT_PATH, OIDC_PREFIX, type OidcProviders } from './provider.js';

/** The provider's paths, served by oidc-provider itself (a Koa app) rather than by Fastify routes. */
const PROVIDER_PATHS = ['/.well-known/openid-configuration', `${OIDC_PREFIX}/*`, LOGOUT_PATH, `${LOGOUT_PATH}/*`];

/**
 * Mounts the provider. Each of its paths is a Fastify route that hands the raw request to the
 * provider (reply.hijack), so Fastify's hooks still run first for them (security headers, rate
 * limit, request id, access log) and every other path keeps Fastify's routing, validation and
 * problem+json errors. The body is left unread here: the provider parses its own forms.
 */
export async function providerMount(app: TypedApp, { providers }: { providers: OidcProviders }): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));

  const handlers = new WeakMap<object, ReturnType<Provider['callback']>>();
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const provider = await providers.current();
    let handler = handlers.get(provider);
    if (!handler) handlers.set(provider, (handler = provider.callback()));
    reply.hijack();
    // The provider writes its own answers; the headers Fastify's hooks set so far stay on them.
    for (const [name, value] of Object.entries(reply.getHeaders())) {
      if (value !== undefined && !reply.raw.hasHeader(name)) reply.raw.setHeader(name, value as string);
    }
    await handler(request.raw, reply.raw);
  };
  for (const url of PROVIDER_PATHS) {
    app.route({ method: ['GET', 'POST'], url, config: { auth: 'none' }, schema: { hide: true }, handler: forward });
  }
}
