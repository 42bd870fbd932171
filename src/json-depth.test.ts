import { describe, expect, it } from 'vitest';
import { nestingDepth } from './json-depth.js';

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('nestingDepth', () => {
  it.each([
    [1, 0],
    [null, 0],
    [{}, 1],
    [[[]], 2],
    [{ a: [1, { b: {} }], c: 1 }, 4],
  ])('of %j is %i', (value, depth) => {
    expect(nestingDepth(value)).toBe(depth);
  });

  it('walks 100,000 levels without recursion', () => {
    expect(nestingDepth(nested(100_000))).toBe(100_000);
  });
});
