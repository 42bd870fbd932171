import type { FastifyReply } from 'fastify';
import { ACCOUNT_POLICY } from '../system/security-headers.js';
import type { SafeHtml } from './html.js';

export interface PageAnswer {
  status?: number;
  /**
   * Origins a form on this page may post to or be redirected to after posting, beyond this
   * one (browsers apply `form-action` to the redirects that follow a form's POST, so a page
   * whose form ends on an app's redirect URI must name that app's origin).
   */
  formActions?: readonly string[];
}

/** Answers with a hosted page: HTML, never cached (it may carry a token in its form), under the pages' own policy. */
export function sendPage(reply: FastifyReply, page: SafeHtml, { status = 200, formActions = [] }: PageAnswer = {}): FastifyReply {
  const formAction = ["'self'", ...formActions].join(' ');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', `${ACCOUNT_POLICY}; form-action ${formAction}`)
    .send(page.value);
}
