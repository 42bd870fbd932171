import { describe, expect, it } from 'vitest';
import { AppError } from '../../http/errors.js';
import { normalizeDomain, normalizeDomains } from './domains.js';

describe('normalizeDomain', () => {
  it.each([
    ['Notes.Example.COM', 'notes.example.com'],
    ['example.com.', 'example.com'],
    ['localhost', 'localhost'],
    ['127.0.0.1', '127.0.0.1'],
    ['*.Example.com', '*.example.com'],
    ['bücher.example', 'xn--bcher-kva.example'],
    ['a-b.example.org', 'a-b.example.org'],
  ])('accepts %s as %s', (input, expected) => {
    expect(normalizeDomain(input)).toBe(expected);
  });

  it.each([
    'https://example.com',
    'example.com/path',
    'example.com:8080',
    'user@example.com',
    'exa mple.com',
    '-example.com',
    'example-.com',
    'ex_ample.com',
    '',
    '*',
    '*.com',
    'a.*.example.com',
    '999.1.1.1',
    '1.2.3',
    `${'a'.repeat(64)}.example.com`,
    `${'a.'.repeat(127)}com`,
    '[::1]',
  ])('refuses %s', (input) => {
    expect(typeof normalizeDomain(input)).toBe('object');
  });
});

describe('normalizeDomains', () => {
  it('collapses duplicates after lowercasing', () => {
    expect(normalizeDomains(['A.example.com', 'a.example.com', 'b.example.com'])).toEqual(['a.example.com', 'b.example.com']);
  });

  it('names every bad entry by its index', () => {
    try {
      normalizeDomains(['ok.example.com', 'http://bad.example.com', 'fine.example', 'bad.example.com:1']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).errors?.map((e) => e.path)).toEqual(['/domains/1', '/domains/3']);
    }
  });
});
