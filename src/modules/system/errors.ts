import { defineErrors } from '../../http/errors.js';

export const SystemErrors = defineErrors({
  /** GET /readyz: a readiness check failed, or the process is shutting down. */
  notReady: { status: 503, title: 'Not ready' },
});
