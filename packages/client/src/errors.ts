import type { Problem } from './types.js';

const PROBLEM_PREFIX = 'urn:sentinel:problem:';

/**
 * Every failure the client reports: an error answer of the server, carrying its problem
 * document (RFC 9457), or a request that never got an answer (status 0, `network_error`).
 */
export class SentinelError extends Error {
  override name = 'SentinelError';
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
  /** The stable code from the problem type (`invalid_credentials`, `precondition_failed`, ...). */
  readonly code: string;
  readonly problem: Problem;

  constructor(problem: Problem, options?: { cause?: unknown }) {
    super(problem.detail || problem.title, options);
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.type.startsWith(PROBLEM_PREFIX) ? problem.type.slice(PROBLEM_PREFIX.length) : `http_${problem.status}`;
  }

  /** From an error answer; a body that is not a problem document still gives a typed error. */
  static fromAnswer(status: number, body: unknown): SentinelError {
    if (isProblem(body)) return new SentinelError(body);
    const detail = typeof body === 'string' && body !== '' ? body.slice(0, 500) : `The server answered ${status}`;
    return new SentinelError({ type: `${PROBLEM_PREFIX}http_${status}`, title: `HTTP ${status}`, status, detail });
  }

  static network(cause: unknown): SentinelError {
    const detail = cause instanceof Error ? cause.message : String(cause);
    return new SentinelError({ type: `${PROBLEM_PREFIX}network_error`, title: 'No answer from Sentinel', status: 0, detail }, { cause });
  }
}

function isProblem(body: unknown): body is Problem {
  if (typeof body !== 'object' || body === null) return false;
  const { type, title, status } = body as Record<string, unknown>;
  return typeof type === 'string' && typeof title === 'string' && typeof status === 'number';
}
