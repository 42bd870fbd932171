import type { FieldError } from './errors.js';
import { escapePointer } from './validation.js';

/**
 * Numbers JSON.parse would change without a word: integers written beyond ±(2^53 − 1) (the
 * range RFC 8259 and I-JSON call interoperable; past it `9007199254740993` becomes
 * `9007199254740992`), numbers too large for a double (`1e400` becomes Infinity, then `null`)
 * and non-zero numbers too small for one (`1e-400` becomes 0). Numbers with a fraction or an
 * exponent within range (`1.5`, `1e300`) are decimal approximations as always, and pass.
 *
 * Checked on the text, since parsed values no longer tell `1e300` from a 301-digit integer.
 * A quick look for what such a number needs (16 digits in a row, a 3-digit exponent, 200 zeros
 * after `0.`) right after `:`, `,`, `[` or the start clears almost every body; only the rest is
 * walked token by token to find the number and its JSON pointer.
 */
const SUSPECT_INSIDE = /[:,[]\s*-?(?:\d{16}|\d+(?:\.\d+)?[eE][+-]?\d{3}|0\.0{200})/;
const SUSPECT_ALONE = /^\s*-?(?:\d{16}|\d+(?:\.\d+)?[eE][+-]?\d{3}|0\.0{200})/;
const NUMBER = /-?(\d+)(\.\d+)?([eE][+-]?\d+)?/y;

/** The first number in `text` (valid JSON) that JSON.parse would not keep, with its pointer under `root`. */
export function findUnfaithfulNumber(text: string, root: string): FieldError | undefined {
  return SUSPECT_INSIDE.test(text) || SUSPECT_ALONE.test(text) ? scan(text, root) : undefined;
}

function problemOf(literal: string, integer: string, fraction: string | undefined, exponent: string | undefined): string | undefined {
  const value = Number(literal);
  const shown = literal.length > 40 ? `${literal.slice(0, 20)}...` : literal;
  if (!Number.isFinite(value)) return `is ${shown}, too large for a JSON number (the largest is about 1.8e308)`;
  if (value === 0 && /[1-9]/.test(integer + (fraction ?? '')))
    return `is ${shown}, too small to tell from 0 (the smallest is about 5e-324)`;
  if (fraction === undefined && exponent === undefined && !Number.isSafeInteger(value)) {
    return `is ${shown}, an integer beyond ±9007199254740991 (2^53 - 1) that would not be kept exactly: send it as a string`;
  }
  return undefined;
}

/** Walks the tokens of valid JSON, keeping the pointer of the current value. */
function scan(text: string, root: string): FieldError | undefined {
  const path: (string | number)[] = [];
  const containers: ('object' | 'array')[] = [];
  let expectingKey = false;
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"') {
      const end = stringEnd(text, i);
      if (expectingKey) path[path.length - 1] = JSON.parse(text.slice(i, end)) as string;
      i = end;
    } else if (char === '{' || char === '[') {
      containers.push(char === '{' ? 'object' : 'array');
      path.push(char === '{' ? '' : 0);
      expectingKey = char === '{';
      i += 1;
    } else if (char === '}' || char === ']') {
      containers.pop();
      path.pop();
      i += 1;
    } else if (char === ',') {
      if (containers[containers.length - 1] === 'array') path[path.length - 1] = (path[path.length - 1] as number) + 1;
      else expectingKey = true;
      i += 1;
    } else if (char === ':') {
      expectingKey = false;
      i += 1;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text)!;
      const message = problemOf(match[0], match[1]!, match[2], match[3]);
      if (message) return { path: root + path.map((segment) => `/${escapePointer(String(segment))}`).join(''), message };
      i = NUMBER.lastIndex;
    } else {
      // Whitespace, or the letters of true, false and null.
      i += 1;
    }
  }
  return undefined;
}

/** The index just past the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text[quote - 1 - backslashes] === '\\') backslashes += 1;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
}
