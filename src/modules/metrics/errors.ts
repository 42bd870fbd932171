import { defineErrors } from '../../http/errors.js';

export const MetricsErrors = defineErrors({
  /** GET /metrics without the SENTINEL_METRICS_TOKEN bearer token, or with another one. */
  invalidMetricsToken: { status: 401, title: 'Metrics token required' },
});
