import { describe, expect, it } from 'vitest';
import { findUnfaithfulNumber } from './json-numbers.js';

const pathOf = (text: string) => findUnfaithfulNumber(text, '')?.path;

describe('findUnfaithfulNumber', () => {
  it.each([
    ['9007199254740993', ''],
    ['[1, 2, 1e400]', '/2'],
    ['{"a\\"b/~c": {"x": [0, -1e-400]}}', '/a"b~1~0c/x/1'],
    ['{"s": "1e400, 9007199254740993", "n": [{"k": "}]"}, 12345678901234567890]}', '/n/1'],
    ['{"\\\\": 1, "b": 9007199254740992}', '/b'],
    [`{"deep": ${'['.repeat(500)}1e999${']'.repeat(500)}}`, `/deep${'/0'.repeat(500)}`],
  ])('finds the number in %s at "%s"', (text, path) => {
    expect(pathOf(text)).toBe(path);
  });

  it.each([
    '{"n": 9007199254740991, "m": -9007199254740991}',
    '[1.5, 1e300, -1e300, 5e-324, 0e-999, 0.30000000000000004, 12345678901234567.5]',
    '{"id": "12345678901234567890", "hash": "9e1234567", "note": "a: 1e400"}',
    '{"1e400": true, "9007199254740993": null}',
  ])('passes %s', (text) => {
    expect(pathOf(text)).toBeUndefined();
  });
});
