import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';

/**
 * One log line per request, written once the answer has gone, with what Fastify's own two
 * lines ("incoming request", "request completed") held between them: method, URL, client,
 * status and time, as flat fields rather than through the req/res serializers. A line costs a
 * formatted write on every request, and token checks are cheap enough now for that to show.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = {
      method: request.method,
      url: request.url,
      ip: request.ip,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    };
    if (error) reply.log.error({ ...line, err: error }, 'request errored');
    else reply.log.info(line, 'request completed');
  }
}
