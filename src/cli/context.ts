import type { RequestContext } from '../http/request-context.js';

/** What the audit log records as the origin of a change made with the `sentinel` command. */
export const CLI_CONTEXT: RequestContext = { ip: null, userAgent: 'sentinel-cli', appId: null };
