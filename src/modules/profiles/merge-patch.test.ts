import { describe, expect, it } from 'vitest';
import { applyMergePatch } from './merge-patch.js';

describe('applyMergePatch', () => {
  // The test cases of RFC 7396, Appendix A.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [
      ['a', 'b'],
      ['c', 'd'],
      ['c', 'd'],
    ],
    [{ a: 'b' }, ['c'], ['c']],
    [{ a: 'foo' }, null, null],
    [{ a: 'foo' }, 'bar', 'bar'],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('patches %j with %j into %j', (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it('modifies neither the target nor the patch', () => {
    const target = { a: { b: 1 }, keep: [1, 2] };
    const patch = { a: { c: 2 }, keep: null };
    const snapshot = JSON.stringify([target, patch]);
    applyMergePatch(target, patch);
    expect(JSON.stringify([target, patch])).toBe(snapshot);
  });

  // Threat: a patch key "__proto__" reaching the prototype chain (prototype pollution).
  it('keeps __proto__ and constructor keys as plain data and pollutes no prototype', () => {
    const patch = JSON.parse(
      '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}, "nested": {"__proto__": {"y": 2}}}',
    );
    const result = applyMergePatch({ existing: 1 }, patch) as Record<string, unknown>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.hasOwn(result, '__proto__')).toBe(true);
    expect(JSON.stringify(result)).toBe(
      '{"existing":1,"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}},"nested":{"__proto__":{"y":2}}}',
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).y).toBeUndefined();
  });

  it('merges into and removes an existing __proto__ key', () => {
    const target = JSON.parse('{"__proto__": {"a": 1, "b": 2}}');
    expect(JSON.stringify(applyMergePatch(target, JSON.parse('{"__proto__": {"b": null, "c": 3}}')))).toBe('{"__proto__":{"a":1,"c":3}}');
    expect(JSON.stringify(applyMergePatch(target, JSON.parse('{"__proto__": null}')))).toBe('{}');
  });

  it('does not read inherited properties as existing keys', () => {
    // "toString" exists on every object's prototype, not in the document.
    expect(applyMergePatch({}, { toString: { a: null, b: 1 } })).toEqual({ toString: { b: 1 } });
  });
});
