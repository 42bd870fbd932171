import { describe, expect, it } from 'vitest';
import { MAX_PROFILE_DEPTH, serializeProfileData } from './json-limits.js';

const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

describe('serializeProfileData', () => {
  it('accepts exactly the depth limit and refuses one more', () => {
    expect(serializeProfileData(nested(MAX_PROFILE_DEPTH), 1 << 20)).toHaveProperty('text');
    expect(serializeProfileData(nested(MAX_PROFILE_DEPTH + 1), 1 << 20)).toMatchObject({ problem: { kind: 'depth' } });
  });

  it('counts the size in UTF-8 bytes', () => {
    // 600 two-byte characters: 1,202 bytes with the quotes, though only 602 UTF-16 units.
    expect(serializeProfileData('é'.repeat(600), 1024)).toMatchObject({
      problem: { kind: 'size', message: 'is 1202 bytes as JSON; the limit is 1 KiB (1024 bytes)' },
    });
    expect(serializeProfileData('é'.repeat(500), 1024)).toEqual({ text: JSON.stringify('é'.repeat(500)), bytes: 1002 });
  });
});
