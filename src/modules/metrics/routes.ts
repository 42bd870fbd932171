import { Type } from 'typebox';
import { AppError, HttpErrors } from '../../http/errors.js';
import { secretsEqual } from '../../crypto/secrets.js';
import { ProblemSchema } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { MetricsErrors } from './errors.js';
import type { Metrics } from './metrics.js';

/**
 * GET /metrics in Prometheus text format, for a scraper holding SENTINEL_METRICS_TOKEN.
 * Without the token configured the route answers 404 like any unknown path: metrics name
 * routes and volumes that are nobody's business by default.
 */
export async function metricsRoutes(app: TypedApp, { metrics, token }: { metrics: Metrics; token: string | undefined }): Promise<void> {
  app.get(
    '/metrics',
    {
      config: { auth: 'none' },
      onRequest: async (request) => {
        if (token === undefined) throw HttpErrors.routeNotFound('No route GET /metrics');
        const presented = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
        if (presented === undefined || !secretsEqual(presented, token)) {
          const { code, status, title, detail } = MetricsErrors.invalidMetricsToken('Send Authorization: Bearer <SENTINEL_METRICS_TOKEN>');
          throw new AppError(code, status, title, detail, undefined, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
        }
      },
      schema: {
        operationId: 'metrics',
        tags: ['system'],
        summary: 'Prometheus metrics of this process',
        description:
          'Prometheus text format: requests and their durations by route template and status, logins by outcome, ' +
          'password-hash durations, database pool use, revoked sessions in memory, rate-limit rejections, and Node.js ' +
          'process metrics. Needs `Authorization: Bearer <SENTINEL_METRICS_TOKEN>`; answers 404 when that variable is unset.',
        response: {
          200: {
            description: 'The metrics, in the Prometheus text exposition format',
            content: {
              'text/plain': { schema: Type.String({ examples: ['sentinel_logins_total{method="password",outcome="success"} 42\n'] }) },
            },
          },
          401: { ...ProblemSchema, description: 'Missing or wrong metrics token (`invalid_metrics_token`)' },
          404: { ...ProblemSchema, description: 'Metrics are off: SENTINEL_METRICS_TOKEN is not set (`route_not_found`)' },
        },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.text()),
  );
}
