import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { HttpErrors } from './errors.js';

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
    // max 0 turns the per-IP limit off.
    max: options.max || 1,
    ...(options.max === 0 ? { allowList: () => true } : {}),
    timeWindow: options.windowSeconds * 1000,
    ...(redis ? { redis, nameSpace: 'sentinel-rate-limit:', skipOnError: true } : {}),
    errorResponseBuilder: (_request, context) =>
      Object.assign(HttpErrors.rateLimited(`Too many attempts from this address; retry in ${context.after}`), { statusCode: 429 }),
  });
}
