import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { PoolStats } from '../../db/client.js';

/**
 * How a login ended. `wrong_password` includes unknown names: the API answers both alike.
 * `invalid_passkey`: a passkey login whose challenge or assertion was refused.
 */
export type LoginOutcome = 'success' | 'otp_required' | 'wrong_password' | 'invalid_passkey' | 'locked' | 'error';

/** How the user signed in: POST /auth/login, or POST /auth/passkeys/login/verify. */
export type LoginMethod = 'password' | 'passkey';

/** What the gauges read when scraped. */
export interface MetricSources {
  /** Connections of this process's PostgreSQL pool; undefined where PGlite runs in the process (no pool). */
  pool?: () => PoolStats | undefined;
  /** Revoked session ids this process remembers. */
  revokedSessions?: () => number;
  /** Webhook deliveries not yet delivered nor given up (the outbox's backlog), across all servers. */
  webhookBacklog?: () => Promise<number>;
  /** Mails in the outbox (pending, failed); undefined when mail is off. */
  mailBacklog?: () => Promise<{ pending: number; failed: number } | undefined>;
}

/**
 * The Prometheus metrics of one process, in a registry of its own (so two apps in one test
 * process do not collide). Labels hold route templates, methods, statuses and outcomes only:
 * never a user id, an email or a raw path.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'sentinel_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'sentinel_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by method, route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly logins = new Counter({
    name: 'sentinel_logins_total',
    help: 'Logins by method (password, passkey) and outcome: success, otp_required, wrong_password (or unknown name), invalid_passkey, locked, error',
    labelNames: ['method', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly passwordHashing = new Histogram({
    name: 'sentinel_password_hash_duration_seconds',
    help: 'Time to hash a new password (operation=hash) or check one (operation=verify; failures are padded to one time)',
    labelNames: ['operation'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'sentinel_rate_limit_rejections_total',
    help: 'Requests refused 429 by the per-address rate limit, by route template',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });

  constructor(sources: MetricSources = {}) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'sentinel_db_pool_connections',
      help: 'PostgreSQL connections of this process, by state (total, idle); absent on PGlite',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        const stats = sources.pool?.();
        if (!stats) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: 'sentinel_db_pool_waiting',
      help: 'Queries waiting for a free PostgreSQL connection of this process; absent on PGlite',
      registers: [this.registry],
      collect() {
        const stats = sources.pool?.();
        if (stats) this.set(stats.waiting);
      },
    });
    new Gauge({
      name: 'sentinel_revoked_sessions_cached',
      help: 'Revoked session ids this process keeps in memory to refuse their access tokens',
      registers: [this.registry],
      collect() {
        if (sources.revokedSessions) this.set(sources.revokedSessions());
      },
    });
    new Gauge({
      name: 'sentinel_webhook_deliveries_pending',
      help: 'Webhook deliveries waiting to be sent or retried, across every server on the database',
      registers: [this.registry],
      async collect() {
        if (sources.webhookBacklog) this.set(await sources.webhookBacklog());
      },
    });
    new Gauge({
      name: 'sentinel_mail_outbox',
      help: 'Mails in the outbox of the shared database, by state: pending (waiting or retrying) and failed (retries spent); absent when mail is off',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const backlog = await sources.mailBacklog?.();
        if (!backlog) return;
        this.set({ state: 'pending' }, backlog.pending);
        this.set({ state: 'failed' }, backlog.failed);
      },
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
