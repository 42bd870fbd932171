import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { sha256Hex } from '../crypto/secrets.js';
import { AppError, HttpErrors } from './errors.js';

export interface RateLimitOptions {
  max: number;
  windowSeconds: number;
  redisUrl: string | undefined;
}

/**
 * Per-IP limits on the routes that check credentials: a route opts in with
 * `config: { rateLimit: {} }`. Counters live in Redis when REDIS_URL is set, so every
 * process shares them; otherwise in this process. Over the limit: 429 with Retry-After.
 */
export async function installRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const redis = options.redisUrl
    ? // Fail fast rather than queue requests while Redis is away; skipOnError lets them through.
      new Redis(options.redisUrl, { connectTimeout: 500, maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true })
    : undefined;
  if (redis) {
    redis.on('error', (error: Error) => app.log.warn({ err: { message: error.message } }, 'rate-limit store unavailable'));
    // Without an offline queue, commands sent before the connection is up would fail (and be skipped).
    await redis.connect().catch(() => {});
    app.addHook('onClose', async () => {
      redis.disconnect();
    });
  }
  await app.register(rateLimit, {
    global: false,
    // max 0 turns the per-IP limit off; the store stays for the account lockout.
    max: options.max || 1,
    ...(options.max === 0 ? { allowList: () => true } : {}),
    timeWindow: options.windowSeconds * 1000,
    ...(redis ? { redis, nameSpace: 'sentinel-rate-limit:', skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) =>
      Object.assign(HttpErrors.rateLimited(`Too many attempts from this address; retry in ${context.after}`), { statusCode: 429 }),
  });
}

/** Failed-login counting per account name, whoever sends it (see accountLockout). */
export interface LoginLockout {
  /** Throws 429 while the name has had too many failures in the window. */
  assertOpen(request: FastifyRequest, login: string): Promise<void>;
  recordFailure(request: FastifyRequest, login: string): Promise<void>;
}

export const noLockout: LoginLockout = { assertOpen: async () => {}, recordFailure: async () => {} };

/**
 * Locks an account name after `maxFailures` wrong logins within the window, from any
 * address: a per-IP limit alone does not stop a botnet guessing one account. The name is
 * counted whether or not such a user exists, so a lockout reveals nothing about which
 * accounts do. Uses the rate-limit store (Redis when configured).
 */
export function accountLockout(app: FastifyInstance, maxFailures: number, windowSeconds: number): LoginLockout {
  if (maxFailures === 0 || !app.hasDecorator('createRateLimit')) return noLockout;
  const keyOf = (request: FastifyRequest) => `login-failures:${(request as FastifyRequest & { lockoutKey: string }).lockoutKey}`;
  const limiter = app.createRateLimit({ max: maxFailures, timeWindow: windowSeconds * 1000, keyGenerator: keyOf, allowList: undefined });
  const withKey = (request: FastifyRequest, login: string) => Object.assign(request, { lockoutKey: sha256Hex(login.trim().toLowerCase()) });
  return {
    assertOpen: async (request, login) => {
      const state = await limiter(withKey(request, login), { increment: false });
      if (!state.isAllowed && state.remaining === 0) {
        const after = Math.max(1, state.ttlInSeconds);
        throw new AppError(
          'account_locked',
          429,
          'Too many failed logins',
          `Too many failed logins for this account; retry in ${after} seconds`,
          undefined,
          {
            'Retry-After': String(after),
          },
        );
      }
    },
    recordFailure: async (request, login) => {
      await limiter(withKey(request, login));
    },
  };
}
