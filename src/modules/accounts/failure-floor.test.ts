import { describe, expect, it } from 'vitest';
import { FailureFloor } from './failure-floor.js';

describe('FailureFloor', () => {
  it('pads to the slowest class the database holds, never to one it does not', () => {
    const floor = new FailureFloor('argon2id');
    floor.record('argon2id', 50);
    floor.record('bcrypt:12', 250);
    floor.record('bcrypt:31', 1e9);
    expect(floor.floorMs()).toBeCloseTo(55);
    floor.hold(['bcrypt:12']);
    expect(floor.floorMs()).toBeCloseTo(275);
    // A fresh count without bcrypt:12 (every such account upgraded) lowers it again; argon2id stays.
    floor.hold(['md5'], { replace: true });
    expect(floor.floorMs()).toBeCloseTo(55);
    expect(floor.unmeasured()).toEqual(['md5']);
  });

  it('follows a class as its checks get slower or faster', () => {
    const floor = new FailureFloor('argon2id');
    floor.record('argon2id', 100);
    for (let i = 0; i < 20; i++) floor.record('argon2id', 200);
    expect(floor.estimateOf('argon2id')).toBeGreaterThan(195);
  });

  it('waits out the floor from when the check started', async () => {
    const floor = new FailureFloor('argon2id');
    floor.record('argon2id', 100);
    const started = performance.now();
    await floor.pad(started - 60);
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(500);
  });
});
