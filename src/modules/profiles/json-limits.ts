import { formatBytes } from '../../bytes.js';
import { nestingDepth } from '../../json-depth.js';

/**
 * How deeply profile_data may nest (objects and arrays). PostgreSQL's jsonb accepts more,
 * but JSON.stringify, schema validation and merge patching recurse, and V8 runs out of
 * stack a few thousand levels down: a clear 400 beats a crash.
 */
export const MAX_PROFILE_DEPTH = 1000;

export type DataProblem = { kind: 'depth' | 'size'; message: string };

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
