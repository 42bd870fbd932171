import { Ajv, type ErrorObject, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema, preValidationHookHandler } from 'fastify';
import { HttpErrors, summarizeFieldErrors, type FieldError } from './errors.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const MAX_REPORTED_ERRORS = 100;

const shared: Options = {
  allErrors: true,
  removeAdditional: false,
  useDefaults: true,
  strict: true,
  // OpenAPI's singular `example` is documentation, not validation.
  keywords: ['example'],
};

/**
 * Three validators: JSON bodies are taken as typed (`"app_id": "5"` is an error), while
 * path and query strings are coerced to the declared number or boolean. A query parameter
 * no route declares (a cache-buster `?_=1`, a tracking tag) is dropped rather than refused:
 * proxies and browsers add them, and they cannot change what a GET means. Unknown body
 * fields are still refused, since there they are usually a client's typo.
 */
const bodyAjv = addFormats(new Ajv({ ...shared, coerceTypes: false }));
const urlAjv = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
const queryAjv = addFormats(new Ajv({ ...shared, coerceTypes: 'array', removeAdditional: true }));

const validators: Record<string, Ajv> = { body: bodyAjv, querystring: queryAjv };

export function installValidation(app: FastifyInstance): void {
  app.setValidatorCompiler(({ schema, httpPart }) => (validators[httpPart ?? ''] ?? urlAjv).compile(schema as FastifySchema & object));
  app.setSchemaErrorFormatter((errors, dataVar) => {
    const fieldErrors = toFieldErrors(errors as ErrorObject[], dataVar);
    return HttpErrors.validationFailed(summarizeFieldErrors(fieldErrors), fieldErrors);
  });
  // PostgreSQL text cannot hold NUL, and jsonb refuses lone UTF-16 surrogates: answer 400 before any SQL runs.
  // Only on routes that take path parameters, a query or a body: the others (GET /auth/verify) skip the walk.
  app.addHook('onRoute', (route) => {
    const takesInput = route.url.includes(':') || route.url.includes('*') || route.schema?.querystring || route.schema?.body;
    if (takesInput) route.preValidation = [refuseUnstorableText, ...[route.preValidation ?? []].flat()];
  });
}

const refuseUnstorableText: preValidationHookHandler = (request, _reply, done) => {
  const found =
    findUnstorableText(request.params, 'params') ??
    findUnstorableText(request.query, 'querystring') ??
    findUnstorableText(request.body, '');
  done(found ? HttpErrors.invalidText(`${found.path || 'the body'} ${found.message}`, [found]) : undefined);
};

function toFieldErrors(errors: ErrorObject[], dataVar: string): FieldError[] {
  return ajvFieldErrors(errors, dataVar === 'body' ? '' : dataVar, MAX_REPORTED_ERRORS, 'is not a known field');
}

/**
 * ajv's errors as `errors[]` entries: JSON pointers under `prefix`, naming the missing or
 * extra property itself rather than its parent object.
 */
export function ajvFieldErrors(errors: ErrorObject[], prefix: string, max: number, unknownFieldMessage: string): FieldError[] {
  return errors.slice(0, max).map((error) => {
    let path = error.instancePath;
    let message = error.message ?? 'is invalid';
    if (error.keyword === 'required') {
      path += `/${escapePointer(String(error.params.missingProperty))}`;
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      path += `/${escapePointer(String(error.params.additionalProperty))}`;
      message = unknownFieldMessage;
    }
    return { path: prefix + path, message };
  });
}

/** A JSON Pointer reference token (RFC 6901): `~` and `/` escaped. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

// A NUL, or a high surrogate not followed by a low one, or a low one not preceded by a high one.
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Walks parsed JSON (iteratively: bodies may nest deeply) for text PostgreSQL cannot store. */
export function findUnstorableText(value: unknown, root: string): FieldError | undefined {
  const stack: [unknown, string][] = [[value, root]];
  while (stack.length > 0) {
    const [current, path] = stack.pop()!;
    if (typeof current === 'string') {
      if (UNSTORABLE.test(current)) return { path, message: describe(current) };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) stack.push([current[i], `${path}/${i}`]);
    } else if (current !== null && typeof current === 'object') {
      for (const key of Object.keys(current)) {
        const keyPath = `${path}/${escapePointer(key)}`;
        if (UNSTORABLE.test(key)) return { path: keyPath, message: `has a key that ${describe(key)}` };
        stack.push([(current as Record<string, unknown>)[key], keyPath]);
      }
    }
  }
  return undefined;
}

function describe(text: string): string {
  return text.includes('\u0000') ? 'contains a NUL character (\\u0000)' : 'contains an unpaired UTF-16 surrogate';
}

/** Validates like a route body does, for input that arrives another way (the command line, import files). */
export function compileBodyValidator(schema: object): (data: unknown) => FieldError[] {
  const validate = bodyAjv.compile(schema);
  return (data) => (validate(data) ? [] : toFieldErrors(validate.errors ?? [], 'body'));
}
