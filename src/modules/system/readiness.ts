import type { FastifyInstance } from 'fastify';

export type CheckStatus = 'ok' | 'degraded' | 'failed';

/** What one check found; `degraded` still counts as ready, and shows its message. */
export interface CheckResult {
  status: CheckStatus;
  message?: string;
}

/** Answers quickly, without side effects; may throw (reported as failed). */
export type ReadinessCheck = () => Promise<CheckResult>;

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** A check still running after this long counts as failed: a probe must answer fast. */
export const CHECK_TIMEOUT_MS = 1000;

declare module 'fastify' {
  interface FastifyInstance {
    /** The checks behind GET /readyz; features add theirs with `app.readiness.add(name, check)`. */
    readiness: Readiness;
  }
}

/**
 * The named checks that decide whether this process should get traffic (GET /readyz).
 * Any feature depending on something outside the process registers a check here: the
 * database does, and a shared rate-limit store can report itself degraded while it falls
 * back to counting in process.
 */
export class Readiness {
  private readonly checks = new Map<string, ReadinessCheck>();
  private drainingNow = false;

  constructor(private readonly onCheckError: (name: string, error: unknown) => void = () => {}) {}

  add(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`A readiness check named "${name}" is already registered`);
    this.checks.set(name, check);
  }

  /** From now on the process reports itself not ready: it is about to stop. */
  drain(): void {
    this.drainingNow = true;
  }

  get draining(): boolean {
    return this.drainingNow;
  }

  async report(): Promise<ReadinessReport> {
    if (this.drainingNow) return { ready: false, checks: { shutdown: { status: 'failed', message: 'shutting down' } } };
    const results = await Promise.all([...this.checks].map(async ([name, check]) => [name, await this.run(name, check)] as const));
    return { ready: results.every(([, result]) => result.status !== 'failed'), checks: Object.fromEntries(results) };
  }

  private async run(name: string, check: ReadinessCheck): Promise<CheckResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckResult>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'failed', message: `no answer within ${CHECK_TIMEOUT_MS / 1000} s` }), CHECK_TIMEOUT_MS);
    });
    try {
      return await Promise.race([check(), timeout]);
    } catch (error) {
      // The error itself goes to the log only: /readyz is public, and messages can name internal hosts.
      this.onCheckError(name, error);
      return { status: 'failed', message: 'the check failed (details in the log)' };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Gives the app its readiness registry. While draining, every request that arrives carries
 * `Connection: close` on its answer, so keep-alive clients reconnect, to another process.
 */
export function installReadiness(app: FastifyInstance): Readiness {
  const readiness = new Readiness((name, error) => app.log.warn({ err: error }, `readiness check ${name} failed`));
  app.decorate('readiness', readiness);
  // onRequest, not onSend: an app-wide onSend hook adds a hook stage to every answer of every
  // route (most have none of their own), for a flag that is false until shutdown.
  app.addHook('onRequest', (_request, reply, done) => {
    if (readiness.draining) reply.header('connection', 'close');
    done();
  });
  return readiness;
}
