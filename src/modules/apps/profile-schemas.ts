import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { AppError, summarizeFieldErrors, type FieldError } from '../../http/errors.js';
import { ajvFieldErrors } from '../../http/validation.js';
import { formatBytes } from '../../bytes.js';
import { sha256Hex } from '../../crypto/secrets.js';
import { nestingDepth } from '../../json-depth.js';
import type { AppSchemaState } from './apps-repository.js';
import { AppErrors } from './errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** Checks profile_data; returns one entry per violation, paths under `prefix` (e.g. `/profile_data`). */
export type DataValidator = (data: unknown, prefix: string) => FieldError[];

export interface SchemaSource {
  loadSchema(appId: number): Promise<{ schema: unknown; hash: string } | undefined>;
}

const MAX_ERRORS_PER_DOCUMENT = 20;
const MAX_CACHED = 256;

/**
 * Limits on an app's schema. Ajv checks and compiles schemas by recursion (as JSON.stringify
 * does), so nesting is bounded before either runs; and compiling takes time in proportion to
 * size (about a second for 64 KiB of properties), blocking the process while it runs.
 */
export const MAX_SCHEMA_DEPTH = 64;
export const MAX_SCHEMA_BYTES = 64 * 1024;

/**
 * Compiles each app's JSON Schema once. Compiled validators are cached by the md5 the
 * database computes over the stored schema, and every write first reads that hash, so a
 * schema changed by another process is picked up at the next write without any messaging.
 */
export class ProfileDataSchemas {
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(private readonly source: SchemaSource) {}

  /**
   * The schema an operator wants to set, as it will be stored (after a JSON round trip, so
   * what compiles now also compiles when read back): within the limits and compiled, or 422.
   */
  prepare(schema: unknown): unknown {
    const stored = JSON.parse(this.withinLimits(schema)) as unknown;
    this.compile(stored);
    return stored;
  }

  /**
   * A validator for a schema an operator is considering, to check existing profiles against it
   * before setting it: the same limits and 422s as `prepare`, compiled once per distinct schema
   * (the console checks a large app a page at a time, with the same schema every time).
   */
  candidateValidator(schema: unknown): DataValidator {
    const text = this.withinLimits(schema);
    const key = `candidate:${sha256Hex(text)}`;
    return asDataValidator(this.cached(key) ?? this.remember(key, this.compile(JSON.parse(text))));
  }

  /** The schema as JSON text, or 422 when it nests too deep or is too large. */
  private withinLimits(schema: unknown): string {
    const refuse = (message: string) => AppErrors.invalidProfileSchema(`The schema ${message}`, [{ path: '/schema', message }]);
    // Walked without recursion, before anything that recurses.
    if (nestingDepth(schema, MAX_SCHEMA_DEPTH) > MAX_SCHEMA_DEPTH) {
      throw refuse(`nests more than ${MAX_SCHEMA_DEPTH} levels of objects and arrays`);
    }
    const text = JSON.stringify(schema);
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_SCHEMA_BYTES) throw refuse(`is ${bytes} bytes as JSON; the limit is ${formatBytes(MAX_SCHEMA_BYTES, { exact: true })}`);
    return text;
  }

  /**
   * Compiles a schema an operator wants to set, or throws 422 naming what is wrong with it.
   * Each schema gets its own Ajv instance: schemas may share `$id`s across apps, and a dropped
   * cache entry must free its compiled code.
   */
  compile(schema: unknown): ValidateFunction {
    const ajv = newAjv();
    try {
      if (!ajv.validateSchema(schema as object)) {
        const errors = toFieldErrors(ajv.errors ?? [], '/schema', MAX_ERRORS_PER_DOCUMENT);
        throw AppErrors.invalidProfileSchema(
          `The schema is not valid JSON Schema (draft 2020-12): ${summarizeFieldErrors(errors)}`,
          errors,
        );
      }
      return ajv.compile(schema as object);
    } catch (error) {
      if (error instanceof AppError) throw error;
      // Ajv throws for what it cannot resolve: another draft's $schema, an external $ref.
      const message = (error as Error).message.replace(
        /^no schema with key or ref "(.*)"$/,
        'unknown $schema or $ref "$1" (only draft 2020-12, without external references)',
      );
      throw AppErrors.invalidProfileSchema(`The schema cannot be compiled: ${message}`, [{ path: '/schema', message }]);
    }
  }

  /** The validator for an app's current schema, or undefined when it has none. */
  async validatorFor(app: AppSchemaState): Promise<DataValidator | undefined> {
    if (app.schemaHash === null) return undefined;
    let validate = this.cached(app.schemaHash);
    if (!validate) {
      const loaded = await this.source.loadSchema(app.id);
      // Cleared in between: the write started before the change, so it goes through unchecked.
      if (!loaded) return undefined;
      validate = this.cached(loaded.hash) ?? this.remember(loaded.hash, this.compile(loaded.schema));
    }
    return asDataValidator(validate);
  }

  private cached(hash: string): ValidateFunction | undefined {
    const hit = this.cache.get(hash);
    if (hit) {
      // Re-insert: Map keeps insertion order, so the first key is the least recently used.
      this.cache.delete(hash);
      this.cache.set(hash, hit);
    }
    return hit;
  }

  private remember(hash: string, validate: ValidateFunction): ValidateFunction {
    this.cache.set(hash, validate);
    if (this.cache.size > MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    return validate;
  }
}

function newAjv(): Ajv2020 {
  // Unknown keywords are annotations in JSON Schema (strict mode would refuse `x-` extensions);
  // the meta-schema check above still refuses known keywords with wrong values.
  return addFormats(new Ajv2020({ allErrors: true, strict: false, validateFormats: true }));
}

function asDataValidator(check: ValidateFunction): DataValidator {
  return (data, prefix) => (check(data) ? [] : toFieldErrors(check.errors ?? [], prefix, MAX_ERRORS_PER_DOCUMENT));
}

function toFieldErrors(errors: ErrorObject[], prefix: string, max: number): FieldError[] {
  return ajvFieldErrors(errors, prefix, max, 'is not allowed by the schema');
}
