/** One entry of a problem's `errors` list: a JSON pointer (body) or `querystring/x`, `params/x`. */
export interface FieldError {
  path: string;
  message: string;
}

/**
 * A problem's `detail` from its field errors: the first, and how many more (`/email must
 * match format "email" (and 2 more)`). `nameOf` names a field from its path; an empty path
 * (the whole input) reads `body` unless told otherwise.
 */
export function summarizeFieldErrors(errors: readonly FieldError[], nameOf: (path: string) => string = (path) => path || 'body'): string {
  const [first] = errors;
  if (!first) return 'The request is not valid';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${nameOf(first.path)} ${first.message}${more}`;
}

/**
 * Every expected failure. The error handler renders it as RFC 9457 problem details:
 * `type` is `urn:sentinel:problem:<code>`, so clients can branch on the code.
 */
export class AppError extends Error {
  override name = 'AppError';

  constructor(
    readonly code: string,
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail ?? title);
  }
}

export const PROBLEM_TYPE_PREFIX = 'urn:sentinel:problem:';

/** A response header an error answer can carry. */
export type ProblemHeader = 'Retry-After' | 'ETag' | 'WWW-Authenticate';

interface ErrorSpec {
  status: number;
  title: string;
  /** The headers answers with this code carry; the API document shows them wherever a response names the code. */
  headers?: readonly ProblemHeader[];
}

export type ErrorFactory = ((detail?: string, errors?: FieldError[], headers?: Partial<Record<ProblemHeader, string>>) => AppError) & {
  code: string;
  status: number;
  headers: readonly ProblemHeader[];
};

/** The body of every error answer (RFC 9457), as sent and as shown in the API document's examples. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

export function problemBody(problem: AppError): ProblemBody {
  return {
    type: PROBLEM_TYPE_PREFIX + problem.code,
    title: problem.title,
    status: problem.status,
    detail: problem.detail ?? problem.title,
    ...(problem.errors && problem.errors.length > 0 ? { errors: problem.errors } : {}),
  };
}

/** By code; a code may be declared once per status (`invalid_token`: a 401 bearer token, a 400 mailed link). */
const declaredErrors = new Map<string, ErrorFactory[]>();

/** The factory that defineErrors made for `code` (of `status`, when given), so the API document can show a real example of it. */
export function declaredError(code: string, status?: number): ErrorFactory | undefined {
  const factories = declaredErrors.get(code) ?? [];
  return factories.find((factory) => status === undefined || factory.status === status);
}

/** Declares a feature's error codes once: `Errors.emailTaken('...')` builds the AppError. */
export function defineErrors<T extends Record<string, ErrorSpec>>(specs: T): { [K in keyof T]: ErrorFactory } {
  const factories = {} as { [K in keyof T]: ErrorFactory };
  for (const [name, spec] of Object.entries(specs) as [keyof T & string, ErrorSpec][]) {
    const code = snakeCase(name);
    const factory = ((detail?: string, errors?: FieldError[], headers?: Partial<Record<ProblemHeader, string>>) =>
      new AppError(code, spec.status, spec.title, detail, errors, headers as Record<string, string> | undefined)) as ErrorFactory;
    factory.code = code;
    factory.status = spec.status;
    factory.headers = spec.headers ?? [];
    factories[name] = factory;
    declaredErrors.set(code, [...(declaredErrors.get(code) ?? []), factory]);
  }
  return factories;
}

/** An error of `factory` telling the client when to try again (`Retry-After`, in seconds). */
export function retryLater(factory: ErrorFactory, seconds: number, detail: string): AppError {
  return factory(detail, undefined, { 'Retry-After': String(seconds) });
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** Errors any route can raise. */
export const HttpErrors = defineErrors({
  badRequest: { status: 400, title: 'Bad request' },
  validationFailed: { status: 400, title: 'The request is not valid' },
  malformedJson: { status: 400, title: 'The body is not valid JSON' },
  invalidText: { status: 400, title: 'The request holds text that cannot be stored' },
  /** The three credential failures carry the route's challenge (auth.ts withChallenge). */
  unauthorized: { status: 401, title: 'Authentication required', headers: ['WWW-Authenticate'] },
  invalidApiKey: { status: 401, title: 'Invalid API key', headers: ['WWW-Authenticate'] },
  invalidToken: { status: 401, title: 'Invalid or expired token', headers: ['WWW-Authenticate'] },
  forbidden: { status: 403, title: 'Not allowed' },
  notFound: { status: 404, title: 'Not found' },
  routeNotFound: { status: 404, title: 'No such route' },
  conflict: { status: 409, title: 'Conflict' },
  requestTimeout: { status: 408, title: 'Request timeout' },
  /** With the current ETag when there is a current version (If-Match on a profile that is gone has none). */
  preconditionFailed: { status: 412, title: 'Precondition failed', headers: ['ETag'] },
  payloadTooLarge: { status: 413, title: 'The body is too large' },
  unsupportedMediaType: { status: 415, title: 'Unsupported content type' },
  unprocessable: { status: 422, title: 'The request cannot be processed' },
  rateLimited: { status: 429, title: 'Too many requests', headers: ['Retry-After'] },
  headersTooLarge: { status: 431, title: 'Request headers too large' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
  /** Nothing was acknowledged, and a retry can succeed. */
  databaseUnavailable: { status: 503, title: 'The database is unavailable', headers: ['Retry-After'] },
});
