import cors from '@fastify/cors';
import { sql } from 'drizzle-orm';
import type { FastifyInstance, FastifyReply, onRequestHookHandler } from 'fastify';
import { createRequire } from 'node:module';
import type { Clock } from '../../clock.js';
import { queryRows, type Executor } from '../../db/client.js';

// The plugin's own Vary helper (CommonJS, not in its type declarations), so a request without an Origin gets the same header.
const require = createRequire(import.meta.url);
const { addOriginToVaryHeader } = require('@fastify/cors/vary.js') as { addOriginToVaryHeader: (reply: FastifyReply) => void };

/** How long a process trusts its copy of the registered domains. */
const DOMAINS_TTL_MS = 30_000;

/**
 * The hosts browsers may call Sentinel from: every registered app's domains. Read from the
 * database at most every 30 seconds (another process may register an app meanwhile).
 */
export class AllowedOrigins {
  private cache: { hosts: Set<string>; wildcards: string[]; loadedAt: number } | undefined;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly db: Executor,
    private readonly clock: Clock,
  ) {}

  async allows(origin: string): Promise<boolean> {
    let host: string;
    try {
      host = new URL(origin).hostname.toLowerCase();
    } catch {
      return false;
    }
    if (!this.cache || this.clock().getTime() - this.cache.loadedAt > DOMAINS_TTL_MS) {
      this.loading ??= this.load().finally(() => (this.loading = undefined));
      await this.loading;
    }
    const { hosts, wildcards } = this.cache!;
    return hosts.has(host) || wildcards.some((parent) => host.endsWith(`.${parent}`));
  }

  /** Forgets the cached domains, after this process changed an app. */
  invalidate(): void {
    this.cache = undefined;
  }

  private async load(): Promise<void> {
    const rows = await queryRows<{ domain: string }>(this.db, sql`SELECT DISTINCT unnest(domains) AS domain FROM apps`);
    const hosts = new Set<string>();
    const wildcards: string[] = [];
    for (const { domain } of rows) {
      if (domain.startsWith('*.')) wildcards.push(domain.slice(2));
      else hosts.add(domain);
    }
    this.cache = { hosts, wildcards, loadedAt: this.clock().getTime() };
  }
}

/**
 * CORS for browser apps: an Origin whose host is one of a registered app's domains may call
 * the API (any scheme and port); other origins get no CORS headers, so browsers refuse them.
 * Tokens travel in headers, never cookies, so credentials mode stays off.
 *
 * Most requests come from servers and carry no Origin: for them the plugin would only add
 * `Vary: Origin`, at the price of its per-request option merging and callbacks (a few percent
 * of a token check's CPU: docs/benchmarks.md). Its hook is therefore taken aside while it
 * registers and runs only for requests that have an Origin; the others get the same Vary
 * header directly. Preflights (OPTIONS) always carry an Origin, so the plugin answers them.
 */
export async function installCors(app: FastifyInstance, origins: AllowedOrigins): Promise<void> {
  const pluginHook = await withOnRequestHookTaken(app, () =>
    app.register(cors, {
      origin: (origin, callback) => {
        if (!origin) return callback(null, false);
        origins.allows(origin).then(
          (allowed) => callback(null, allowed),
          (error: Error) => callback(error, false),
        );
      },
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'X-API-KEY', 'If-Match', 'If-None-Match'],
      exposedHeaders: ['ETag', 'Retry-After'],
      maxAge: 600,
    }),
  );
  const corsHook: onRequestHookHandler = function (request, reply, done) {
    if (request.headers.origin === undefined) {
      addOriginToVaryHeader(reply);
      return done();
    }
    return pluginHook.call(this, request, reply, done);
  };
  app.addHook('onRequest', corsHook);
}

/** Registers a plugin whose single onRequest hook is handed back instead of installed. */
async function withOnRequestHookTaken(app: FastifyInstance, register: () => PromiseLike<unknown>): Promise<onRequestHookHandler> {
  const addHook = app.addHook;
  let taken: onRequestHookHandler | undefined;
  app.addHook = function (this: FastifyInstance, name: string, hook: unknown) {
    if (name !== 'onRequest' || taken) return (addHook as (...args: unknown[]) => FastifyInstance).call(this, name, hook);
    taken = hook as onRequestHookHandler;
    return this;
  } as typeof app.addHook;
  try {
    await register();
  } finally {
    app.addHook = addHook;
  }
  if (!taken) throw new Error('the CORS plugin installed no onRequest hook');
  return taken;
}
