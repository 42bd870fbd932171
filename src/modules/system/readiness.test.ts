import { describe, expect, it } from 'vitest';
import { CHECK_TIMEOUT_MS, Readiness } from './readiness.js';

describe('Readiness', () => {
  it('is ready when every check is ok or degraded, and shows the degraded message', async () => {
    const readiness = new Readiness();
    readiness.add('database', async () => ({ status: 'ok' }));
    readiness.add('rate_limit_store', async () => ({ status: 'degraded', message: 'redis unreachable, counting in process' }));
    expect(await readiness.report()).toEqual({
      ready: true,
      checks: { database: { status: 'ok' }, rate_limit_store: { status: 'degraded', message: 'redis unreachable, counting in process' } },
    });
  });

  it('is not ready when a check fails, throws or does not answer in time, and keeps the error out of the answer', async () => {
    const errors: string[] = [];
    const readiness = new Readiness((name) => errors.push(name));
    readiness.add('failing', async () => ({ status: 'failed', message: 'down' }));
    readiness.add('throwing', async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:5432');
    });
    readiness.add('hanging', () => new Promise(() => {}));
    const started = Date.now();
    const report = await readiness.report();
    expect(Date.now() - started).toBeLessThan(CHECK_TIMEOUT_MS + 500);
    expect(report.ready).toBe(false);
    expect(report.checks).toEqual({
      failing: { status: 'failed', message: 'down' },
      throwing: { status: 'failed', message: 'the check failed (details in the log)' },
      hanging: { status: 'failed', message: 'no answer within 1 s' },
    });
    expect(errors).toEqual(['throwing']);
  });

  it('reports not ready once draining, without running the checks', async () => {
    const readiness = new Readiness();
    let runs = 0;
    readiness.add('database', async () => {
      runs++;
      return { status: 'ok' };
    });
    readiness.drain();
    expect(await readiness.report()).toEqual({ ready: false, checks: { shutdown: { status: 'failed', message: 'shutting down' } } });
    expect(runs).toBe(0);
  });

  it('refuses a second check under the same name', () => {
    const readiness = new Readiness();
    readiness.add('database', async () => ({ status: 'ok' }));
    expect(() => readiness.add('database', async () => ({ status: 'ok' }))).toThrow(/already registered/);
  });
});
