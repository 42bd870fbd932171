import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { TypedApp } from '../../http/types.js';
import { html } from './html.js';
import { accountPage, alertBox, field, STYLESHEET_PATH } from './layout.js';
import { accountPageRoutes, sendPage } from './routes.js';

async function pagesApp() {
  const app = Fastify();
  await app.register(accountPageRoutes as (app: unknown) => Promise<void>);
  app.get('/account/example', async (request, reply) => {
    const name = (request.query as { name?: string }).name ?? '';
    const body = html`${alertBox(`Hello ${name}`)}
      <form method="post">
        ${field({ label: 'New password', name: 'new_password', type: 'password', error: 'Too short' })}<button>Save</button>
      </form>`;
    return sendPage(reply, accountPage({ title: 'Set a new password', body, appName: name }), { formActions: ['https://app.example'] });
  });
  return app as unknown as TypedApp & ReturnType<typeof Fastify>;
}

describe('hosted pages', () => {
  it('answer HTML that is never cached, under a policy that allows this origin only and the named form targets', async () => {
    const app = await pagesApp();
    const response = await app.inject({ method: 'GET', url: '/account/example?name=Notes' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['content-security-policy']).toContain("form-action 'self' https://app.example");
    expect(response.body).toContain('<title>Set a new password · Notes</title>');
    expect(response.body).toContain(`<link rel="stylesheet" href="${STYLESHEET_PATH}" />`);
    expect(response.body).toMatch(/<label for="field-new_password">New password<\/label>/);
    expect(response.body).toContain('aria-invalid="true"');
  });

  it('escape what the request carries: a script in a name stays text', async () => {
    const app = await pagesApp();
    const response = await app.inject({ method: 'GET', url: `/account/example?name=${encodeURIComponent('<script>x()</script>')}` });
    expect(response.body).not.toContain('<script>');
    expect(response.body).toContain('&lt;script&gt;x()&lt;/script&gt;');
  });

  it('share one stylesheet, cacheable', async () => {
    const app = await pagesApp();
    const response = await app.inject({ method: 'GET', url: STYLESHEET_PATH });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(response.body).toContain(':focus-visible');
  });
});
