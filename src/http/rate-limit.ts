import rateLimit, { type FastifyRateLimitStore, type FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { createRequire } from 'node:module';
import { HttpErrors } from './errors.js';

// The plugin's own stores (CommonJS, not in its type declarations): one speaks Redis, one counts in this process.
const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
  redis: Redis,
  key: string,
) => FastifyRateLimitStore;
const LocalStore = require('@fastify/rate-limit/store/LocalStore.js') as new (
  continueExceeding: boolean,
  exponentialBackoff: boolean,
) => FastifyRateLimitStore;

export interface RateLimitOptions {
  max: number;
  windowSeconds: number;
  redisUrl: string | undefined;
  /** Called for each request the limit refuses (metrics). */
  onExceeded?: (request: FastifyRequest) => void;
}

/** Where the per-IP counters live now. */
export interface RateLimitStoreStatus {
  /**
   * `redis`: shared by every process. `memory`: this process only, by configuration (no
   * REDIS_URL, or the limit is off). `memory-fallback`: REDIS_URL is set but Redis is
   * unreachable, so each process counts alone until it is back.
   */
  store: 'redis' | 'memory' | 'memory-fallback';
  detail: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Where the per-IP counters live now; `/readyz` shows `memory-fallback` as degraded. */
    rateLimitStoreStatus(): RateLimitStoreStatus;
  }
}

/** After a failed command on a live connection, requests count in process this long before Redis is tried again. */
const PAUSE_AFTER_FAILURE_MS = 5000;

/**
 * Per-IP limits on the routes that check credentials: a route opts in with
 * `config: { rateLimit: {} }`. Over the limit: 429 with Retry-After. Counters live in Redis
 * when REDIS_URL is set, so every process shares them; while Redis is unreachable each
 * process counts on its own rather than letting everything through, and says so in the log
 * and in `app.rateLimitStoreStatus()`. (The account lockout does not depend on this: see
 * modules/attempts.)
 */
export async function installRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const limited = options.max > 0;
  const shared = options.redisUrl && limited ? await connectRedis(app, options.redisUrl) : undefined;
  await app.register(rateLimit, {
    global: false,
    // max 0 turns the per-IP limit off.
    max: options.max || 1,
    ...(limited ? {} : { allowList: () => true }),
    timeWindow: options.windowSeconds * 1000,
    ...(shared ? { store: fallbackStoreClass(shared) } : {}),
    ...(options.onExceeded ? { onExceeded: options.onExceeded } : {}),
    errorResponseBuilder: (_request, context) =>
      Object.assign(HttpErrors.rateLimited(`Too many attempts from this address; retry in ${context.after}`), { statusCode: 429 }),
  });
  const inProcess: RateLimitStoreStatus = limited
    ? { store: 'memory', detail: 'Per-IP limits are counted in this process (REDIS_URL is not set)' }
    : { store: 'memory', detail: 'The per-IP limit is off (SENTINEL_RATE_LIMIT_MAX=0)' };
  app.decorate('rateLimitStoreStatus', () => shared?.status() ?? inProcess);
}

/** For GET /readyz: counting in process while Redis is away still serves, so it is degraded, not failed. */
export function rateLimitStoreCheck(app: FastifyInstance): () => Promise<{ status: 'ok' | 'degraded'; message: string }> {
  return async () => {
    const { store, detail } = app.rateLimitStoreStatus();
    return { status: store === 'memory-fallback' ? 'degraded' : 'ok', message: detail };
  };
}

/** Unreachable at start is not fatal: the fallback engages (and says so), and ioredis keeps reconnecting. */
async function connectRedis(app: FastifyInstance, url: string): Promise<RedisAvailability> {
  // Fail fast rather than queue requests while Redis is away: the request is then counted in process.
  const redis = new Redis(url, {
    connectTimeout: 500,
    commandTimeout: 500,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: true,
  });
  const availability = new RedisAvailability(redis, app.log);
  app.addHook('onClose', async () => availability.close());
  await redis.connect().catch(() => {});
  return availability;
}

/** Tracks whether Redis answers, logging once when the fallback engages and once when Redis is back. */
class RedisAvailability {
  private closing = false;
  /** Since when Redis has not answered; undefined while it does. */
  private outageSince: Date | undefined = new Date();
  private announced = false;
  private pausedUntil = 0;

  constructor(
    readonly redis: Redis,
    private readonly log: FastifyBaseLogger,
  ) {
    redis.on('ready', () => this.up());
    redis.on('error', (error: Error) => this.down(error.message));
    redis.on('close', () => this.down('connection closed'));
  }

  close(): void {
    this.closing = true;
    this.redis.disconnect();
  }

  usable(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.pausedUntil;
  }

  commandFailed(error: Error): void {
    this.pausedUntil = Date.now() + PAUSE_AFTER_FAILURE_MS;
    this.down(error.message);
  }

  up(): void {
    if (!this.outageSince) return;
    if (this.announced) this.log.info('rate-limit store: Redis is back; per-IP limits are shared by every process again');
    this.outageSince = undefined;
    this.announced = false;
  }

  status(): RateLimitStoreStatus {
    return this.outageSince
      ? {
          store: 'memory-fallback',
          detail: `Redis has been unreachable since ${this.outageSince.toISOString()}: per-IP limits are counted in each process alone`,
        }
      : { store: 'redis', detail: 'Per-IP limits are counted in Redis, shared by every process' };
  }

  private down(reason: string): void {
    if (this.closing) return;
    this.outageSince ??= new Date();
    if (this.announced) return;
    this.announced = true;
    this.log.warn({ reason }, 'rate-limit store: Redis is unreachable; per-IP limits are counted in this process alone until it is back');
  }
}

/** The store class the plugin instantiates: Redis while it answers, this process's counters otherwise. */
function fallbackStoreClass(availability: RedisAvailability): FastifyRateLimitStoreCtor {
  const shared = new RedisStore(false, false, availability.redis, 'sentinel-rate-limit:');
  const local = new LocalStore(false, false);
  return class {
    constructor() {
      return new FallbackStore(shared, local, availability);
    }
  } as unknown as FastifyRateLimitStoreCtor;
}

class FallbackStore implements FastifyRateLimitStore {
  constructor(
    private readonly redis: FastifyRateLimitStore,
    private readonly local: FastifyRateLimitStore,
    private readonly availability: RedisAvailability,
  ) {}

  incr(key: string, callback: Parameters<FastifyRateLimitStore['incr']>[1], timeWindow: number, max: number): void {
    if (!this.availability.usable()) return this.local.incr(key, callback, timeWindow, max);
    this.redis.incr(
      key,
      (error, result) => {
        if (!error) {
          this.availability.up();
          return callback(null, result);
        }
        this.availability.commandFailed(error);
        this.local.incr(key, callback, timeWindow, max);
      },
      timeWindow,
      max,
    );
  }

  child(routeOptions: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
    return new FallbackStore(this.redis.child(routeOptions), this.local.child(routeOptions), this.availability);
  }
}
