import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { databaseErrorOf, UNIQUE_VIOLATION } from '../db/errors.js';
import { withChallenge } from './auth.js';
import { AppError, HttpErrors, problemBody } from './errors.js';

/** A unique index or constraint name, and the error a violation of it means to the client. */
export type ConstraintErrors = Record<string, () => AppError>;

/**
 * Turns every failure into RFC 9457 problem details. Expected errors keep their status;
 * anything else is a 500 with no detail, logged with the request id but without the
 * query parameters (they can hold password hashes).
 */
export function installErrorHandler(app: FastifyInstance, constraintErrors: ConstraintErrors): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = withChallenge(request, toAppError(error, request, constraintErrors));
    if (problem.status >= 500) {
      request.log.error({ err: loggableError(error) }, 'request failed');
    }
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, HttpErrors.routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

export function sendProblem(reply: FastifyReply, problem: AppError): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
  return reply.code(problem.status).type('application/problem+json').serializer(JSON.stringify).send(problemBody(problem));
}

function toAppError(error: FastifyError, request: FastifyRequest, constraintErrors: ConstraintErrors): AppError {
  if (error instanceof AppError) return error;

  const database = databaseErrorOf(error);
  if (database) {
    const known = database.code === UNIQUE_VIOLATION && database.constraint ? constraintErrors[database.constraint] : undefined;
    return known ? known() : HttpErrors.internal();
  }

  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return HttpErrors.payloadTooLarge(`The body is larger than this endpoint's limit of ${formatBytes(request.routeOptions.bodyLimit)}`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return HttpErrors.unsupportedMediaType('Send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return HttpErrors.malformedJson('The body is empty but its Content-Type says JSON');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return HttpErrors.badRequest('Content-Length does not match the body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return HttpErrors.malformedJson();
  }
  const status = error.statusCode ?? 500;
  if (status === 429) return new AppError('rate_limited', 429, 'Too many requests', error.message, undefined);
  if (status >= 400 && status < 500) return new AppError('bad_request', status, 'Bad request', error.message);
  return HttpErrors.internal();
}

/** A byte count as people write it: `1 MiB`, `256 KiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return 'its configured size';
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** What may reach the log: never a failed query's parameters. */
function loggableError(error: Error): Record<string, unknown> {
  const database = databaseErrorOf(error);
  if (database) {
    return { type: 'DatabaseError', code: database.code, message: database.message, constraint: database.constraint };
  }
  return { type: error.name, message: error.message, stack: error.stack };
}
