import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Database } from '../../db/client.js';
import { RevocationSync, SessionRevocations } from './revocations.js';

/*
 * Threat: a process whose LISTEN connection and polls both failed for longer than the poll's
 * look-back (a database outage) never learns of the sessions revoked meanwhile, and keeps
 * accepting their tokens until they expire.
 */
describe('RevocationSync polling', () => {
  const pollMs = 1000;
  const rememberMs = 15 * 60_000;
  let now: number;
  const clock = () => new Date(now);
  let revoked: { id: string; at: number }[];
  let failing: boolean;
  const source = {
    revokedSince: async (since: Date) => {
      if (failing) throw new Error('Connection terminated unexpectedly');
      return revoked.filter((entry) => entry.at >= since.getTime()).map((entry) => entry.id);
    },
  };
  const database = { engine: 'postgres', listen: async () => async () => {}, notify: async () => {} } as unknown as Database;

  beforeEach(() => {
    vi.useFakeTimers();
    now = Date.parse('2026-01-01T00:00:00Z');
    revoked = [];
    failing = false;
  });
  afterEach(() => vi.useRealTimers());

  const tick = async (ms: number) => {
    now += ms;
    await vi.advanceTimersByTimeAsync(ms);
  };

  it('learns of a revocation made during a long outage once the polls succeed again', async () => {
    const revocations = new SessionRevocations(rememberMs, clock);
    const sync = new RevocationSync(revocations, source, database, { rememberMs, pollMs, clock, onError: () => {} });
    await sync.start();
    await tick(pollMs);

    failing = true;
    revoked.push({ id: 'revoked-early-in-the-outage', at: now });
    await tick(60 * pollMs);
    expect(revocations.has('revoked-early-in-the-outage')).toBe(false);

    failing = false;
    await tick(pollMs);
    expect(revocations.has('revoked-early-in-the-outage')).toBe(true);
    await sync.stop();
  });

  it('looks back a few polls from the last success, not from the start, once polls succeed', async () => {
    const revocations = new SessionRevocations(rememberMs, clock);
    const asked: number[] = [];
    const counting = { revokedSince: async (since: Date) => (asked.push(since.getTime()), []) };
    const sync = new RevocationSync(revocations, counting, database, { rememberMs, pollMs, clock, onError: () => {} });
    await sync.start();
    await tick(pollMs);
    await tick(pollMs);
    // Each poll starts 3 polls before the previous one began.
    expect(asked.at(-1)).toBe(now - pollMs - 3 * pollMs);
    await sync.stop();
  });
});
