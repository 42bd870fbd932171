import { formatBytes } from '../../bytes.js';

/**
 * How deeply profile_data may nest (objects and arrays). PostgreSQL's jsonb accepts more,
 * but JSON.stringify, schema validation and merge patching recurse, and V8 runs out of
 * stack a few thousand levels down: a clear 400 beats a crash.
 */
export const MAX_PROFILE_DEPTH = 1000;

export type DataProblem = { kind: 'depth' | 'size'; message: string };

/** The deepest nesting of objects and arrays in a parsed JSON value (a scalar is 0), walked without recursion. */
export function nestingDepth(value: unknown, stopAbove = Infinity): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    if (level > deepest) deepest = level;
    if (deepest > stopAbove) return deepest;
    for (const child of Array.isArray(current) ? current : Object.values(current)) {
      if (child !== null && typeof child === 'object') stack.push([child, level]);
    }
  }
  return deepest;
}

/** profile_data as the text stored and its size in UTF-8 bytes, or what keeps it from being stored. */
export function serializeProfileData(value: unknown, maxBytes: number): { text: string; bytes: number } | { problem: DataProblem } {
  if (nestingDepth(value, MAX_PROFILE_DEPTH) > MAX_PROFILE_DEPTH) {
    return { problem: { kind: 'depth', message: `nests more than ${MAX_PROFILE_DEPTH} levels of objects and arrays` } };
  }
  const text = JSON.stringify(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return { problem: { kind: 'size', message: `is ${bytes} bytes as JSON; the limit is ${formatBytes(maxBytes, { exact: true })}` } };
  }
  return { text, bytes };
}
