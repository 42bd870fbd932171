import type { ConnectionError, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { formatBytes } from '../bytes.js';
import { databaseErrorOf, isDatabaseUnavailable, unavailableReason } from '../db/errors.js';
import { withChallenge } from './auth.js';
import { AppError, HttpErrors, problemBody, retryLater } from './errors.js';

/** The API error a failed statement means when it violated a known constraint (src/constraint-errors.ts). */
export type ConstraintErrorOf = (error: unknown) => AppError | undefined;

/**
 * Turns every failure into RFC 9457 problem details. Expected errors keep their status;
 * anything else is a 500 with no detail, logged with the request id but without the
 * query parameters (they can hold password hashes).
 */
export function installErrorHandler(app: FastifyInstance, constraintErrorOf: ConstraintErrorOf): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = withChallenge(request, toAppError(error, request, constraintErrorOf));
    if (problem.code === HttpErrors.databaseUnavailable.code) {
      request.log.warn({ reason: unavailableReason(error) }, 'database unavailable: answered 503');
    } else if (problem.status >= 500) {
      request.log.error({ err: loggableError(error) }, 'request failed');
    }
    return sendProblem(reply, problem);
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, HttpErrors.routeNotFound(`No route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/** Sends `problem`; `extensions` are extra members (RFC 9457 section 3.2), such as /readyz's checks. */
export function sendProblem(reply: FastifyReply, problem: AppError, extensions: Record<string, unknown> = {}): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers ?? {})) reply.header(name, value);
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .serializer(JSON.stringify)
    .send({ ...problemBody(problem), ...extensions });
}

/**
 * Fastify's clientErrorHandler: what Node refuses before Fastify sees a request (broken HTTP,
 * headers too large, a request not received within the timeouts) is answered with problem
 * details too, then the connection is closed, as Node itself does.
 */
export function handleClientError(this: FastifyInstance, error: ConnectionError, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.debug({ err: error }, 'client error');
  // A response already under way (a timeout while it streams) cannot be replaced by another.
  const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !response?.headersSent) {
    const problem = clientProblem(error);
    const body = JSON.stringify(problemBody(problem));
    socket.write(
      `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
        `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

/** The statuses Node itself would give these errors. */
function clientProblem(error: ConnectionError): AppError {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return HttpErrors.requestTimeout('The request was not received in time; send it again without pausing');
    case 'HPE_HEADER_OVERFLOW':
      return HttpErrors.headersTooLarge(`The request headers are larger than this server's limit of ${formatBytes(maxHeaderSize)}`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return HttpErrors.payloadTooLarge('The chunk extensions are too large');
    default:
      return HttpErrors.badRequest('The request is not valid HTTP/1.1');
  }
}

function toAppError(error: FastifyError, request: FastifyRequest, constraintErrorOf: ConstraintErrorOf): AppError {
  if (error instanceof AppError) return error;
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  if (databaseErrorOf(error)) return constraintErrorOf(error) ?? HttpErrors.internal();

  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return HttpErrors.payloadTooLarge(
        `The body is larger than this endpoint's limit of ${request.routeOptions.bodyLimit === undefined ? 'its configured size' : formatBytes(request.routeOptions.bodyLimit)}`,
      );
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
  if (status === 429) return HttpErrors.rateLimited(error.message);
  if (status >= 400 && status < 500) return new AppError('bad_request', status, 'Bad request', error.message);
  return HttpErrors.internal();
}

/** Seconds a client should wait: a dropped connection is usually replaced within this. */
const DATABASE_RETRY_AFTER_SECONDS = 2;

/** The database could not be reached or the connection broke: nothing was acknowledged, and a retry can succeed. */
export function databaseUnavailable(): AppError {
  return retryLater(
    HttpErrors.databaseUnavailable,
    DATABASE_RETRY_AFTER_SECONDS,
    `The database did not answer or the connection broke; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`,
  );
}

/** What may reach the log: never a failed query's parameters. */
function loggableError(error: Error): Record<string, unknown> {
  const database = databaseErrorOf(error);
  if (database) {
    return { type: 'DatabaseError', code: database.code, message: database.message, constraint: database.constraint };
  }
  return { type: error.name, message: error.message, stack: error.stack };
}
