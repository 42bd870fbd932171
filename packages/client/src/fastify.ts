import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { InvalidAccessTokenError, verifyAccessToken, type SentinelClaims, type VerifyOptions } from './verify.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified claims of the request's Sentinel access token; null before `authenticate` ran. */
    user: SentinelClaims | null;
  }
  interface FastifyInstance {
    /** An onRequest hook: 401 (problem details) unless the request carries a valid Sentinel access token. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
}

export type SentinelAuthOptions = VerifyOptions;

function refuse(reply: FastifyReply, code: string, detail: string) {
  const challenge = code === 'unauthorized' ? 'Bearer' : `Bearer error="invalid_token", error_description="${detail}"`;
  return reply
    .code(401)
    .header('WWW-Authenticate', challenge)
    .type('application/problem+json')
    .send({ type: `urn:sentinel:problem:${code}`, title: 'Unauthorized', status: 401, detail });
}

/**
 * Verifies Sentinel access tokens in a Fastify app, locally (JWKS or secret, as verifyAccessToken):
 * `app.register(sentinelAuth, { issuer, jwksUrl })`, then `{ onRequest: app.authenticate }` on a
 * route and `request.user` in its handler.
 */
export const sentinelAuth = fp<SentinelAuthOptions>(
  async (app, options) => {
    app.decorateRequest('user', null);
    app.decorate('authenticate', async (request: FastifyRequest, reply: FastifyReply) => {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
      if (!match) return refuse(reply, 'unauthorized', 'Send Authorization: Bearer <access token>');
      try {
        request.user = await verifyAccessToken(match[1]!, options);
      } catch (error) {
        if (!(error instanceof InvalidAccessTokenError)) throw error;
        if (error.reason === 'keys_unavailable') throw error;
        return refuse(
          reply,
          'invalid_token',
          error.reason === 'expired' ? 'The access token has expired' : 'The access token is not valid',
        );
      }
    });
  },
  { name: '@sentinel/client/fastify', fastify: '5.x' },
);
