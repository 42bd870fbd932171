import cors from '@fastify/cors';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../clock.js';
import { queryRows, type Executor } from '../../db/client.js';

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
 */
export async function installCors(app: FastifyInstance, origins: AllowedOrigins): Promise<void> {
  await app.register(cors, {
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
  });
}
