import { describe, expect, it } from 'vitest';
import { formatBytes } from './bytes.js';

describe('formatBytes', () => {
  it('uses the largest whole unit, and the exact count when asked', () => {
    expect([1024 * 1024, 256 * 1024, 1000, 1536].map((bytes) => formatBytes(bytes))).toEqual([
      '1 MiB',
      '256 KiB',
      '1000 bytes',
      '1536 bytes',
    ]);
    expect(formatBytes(64 * 1024, { exact: true })).toBe('64 KiB (65536 bytes)');
    expect(formatBytes(1000, { exact: true })).toBe('1000 bytes');
  });
});
