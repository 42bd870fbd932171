import { describe, expect, it } from 'vitest';
import { SeenKeys } from './seen-keys.js';

describe('SeenKeys', () => {
  it('always recognises a key it was given, however many came in between', () => {
    const seen = new SeenKeys(20);
    const keys = Array.from({ length: 20_000 }, (_, i) => `user${i}@example.com`);
    for (const key of keys) seen.add(key);
    expect(keys.every((key) => seen.add(key))).toBe(true);
  });

  it('rarely mistakes a new key for a seen one while it is not full', () => {
    const seen = new SeenKeys(24);
    for (let i = 0; i < 200_000; i++) seen.add(`user${i}@example.com`);
    let falsePositives = 0;
    for (let i = 0; i < 200_000; i++) if (seen.add(`other${i}@example.com`)) falsePositives += 1;
    expect(falsePositives).toBeLessThan(20);
  });
});
