import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerApp } from './helpers/apps.js';
import { createTestApp, type TestApp } from './helpers/app.js';
import { formPost, linkIn, MailCatcher } from './helpers/smtp.js';
import { auditOf } from './helpers/totp.js';

describe('forgotten password by mail (real SMTP server on loopback)', () => {
  let t: TestApp;
  const smtp = new MailCatcher();

  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ config: { mail: smtp.config() } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('POST /auth/password-reset/request mails a link whose page sets the password, ends sessions and sends a notice', async () => {
    const user = await t.registerUser();
    const session = await t.login(user);
    const request = await t.call('POST', '/auth/password-reset/request', { body: { email: user.email.toUpperCase() } });
    expect(request.status).toBe(202);
    const mail = await smtp.waitFor(user.email, 'Reset your password');
    expect(mail.subject).toContain('Reset your password');
    expect(mail.html).toContain('/account/reset-password?token=');
    const { url, token } = linkIn(mail, 'reset-password');

    const pageUrl = url.slice(url.indexOf('/account/'));
    const page = await t.app.inject({ method: 'GET', url: pageUrl });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('name="new_password"');
    expect(page.body).not.toContain('<script');

    const weak = await t.app.inject({ method: 'POST', url: '/account/reset-password', ...formPost({ token, new_password: 'short' }) });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain('at least 8 characters');

    const set = await t.app.inject({
      method: 'POST',
      url: '/account/reset-password',
      ...formPost({ token, new_password: 'a brand new passphrase' }),
    });
    expect(set.statusCode).toBe(200);
    expect(set.body).toContain('Your password is set');

    expect((await t.call('GET', '/auth/verify', { token: session.token })).status).toBe(401);
    expect((await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(401);
    const login = await t.login({ email: user.email, password: 'a brand new passphrase' });
    expect(login.user.email_verified).toBe(true); // the link reached the address

    const notice = await smtp.waitFor(user.email, 'Your password was reset');
    expect(notice.subject).toContain('Your password was reset');

    const again = await t.call('POST', '/auth/password-reset/confirm', {
      apiKey: null,
      body: { token, new_password: 'yet another passphrase' },
    });
    expect(again.status).toBe(400);
    expect(again.body.type).toBe('urn:sentinel:problem:invalid_token');
    const spentPage = await t.app.inject({ method: 'GET', url: pageUrl });
    expect(spentPage.statusCode).toBe(400);
  });

  it('POST /auth/password-reset/request answers an unknown address the same 202 and mails nothing', async () => {
    const known = await t.registerUser();
    const unknown = `nobody-${Date.now()}@example.com`;
    const a = await t.call('POST', '/auth/password-reset/request', { body: { email: unknown } });
    const b = await t.call('POST', '/auth/password-reset/request', { body: { email: known.email } });
    expect(a.status).toBe(202);
    expect(a.body).toEqual(b.body);
    await smtp.waitFor(known.email, 'Reset your password');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(smtp.to(unknown)).toHaveLength(0);
  });

  it('a reset link works once under 20 parallel confirms, and not after an hour (fixed clock)', async () => {
    const user = await t.registerUser();
    await t.call('POST', '/auth/password-reset/request', { body: { email: user.email } });
    const { token } = linkIn(await smtp.waitFor(user.email, 'Reset your password'), 'reset-password');
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.call('POST', '/auth/password-reset/confirm', { apiKey: null, body: { token, new_password: `parallel passphrase ${i}` } }),
      ),
    );
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 400)).toHaveLength(19);

    await t.call('POST', '/auth/password-reset/request', { body: { email: user.email } });
    const late = linkIn(await smtp.waitFor(user.email, 'Reset your password', 2), 'reset-password');
    t.clock.advance(3601);
    const expired = await t.call('POST', '/auth/password-reset/confirm', {
      apiKey: null,
      body: { token: late.token, new_password: 'too late passphrase' },
    });
    expect(expired.status).toBe(400);
    expect(expired.body.type).toBe('urn:sentinel:problem:invalid_token');
  });

  it('each address gets at most 5 reset mails an hour; further requests still answer 202 and are audited', async () => {
    const user = await t.registerUser();
    for (let i = 0; i < 7; i += 1) {
      expect((await t.call('POST', '/auth/password-reset/request', { body: { email: user.email } })).status).toBe(202);
    }
    await smtp.waitFor(user.email, 'Reset your password', 5);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.to(user.email).filter((mail) => mail.subject?.includes('Reset your password'))).toHaveLength(5);
    const mailed = await auditOf(t, user.id, 'password_reset.requested');
    expect(mailed).toHaveLength(5);
    expect(mailed.every((event) => event.detail.mailed === true)).toBe(true);
  });

  it('redirect_to must be on the calling app’s domains; the page then sends the user there', async () => {
    const operator = await t.createOperator();
    const { token: opToken } = await t.login(operator);
    const app = await registerApp(t, opToken, { domains: ['app.example.com'] });
    const user = await t.registerUser();
    const outside = await t.call('POST', '/auth/password-reset/request', {
      apiKey: app.apiKey,
      body: { email: user.email, redirect_to: 'https://evil.example.net/' },
    });
    expect(outside.status).toBe(400);
    expect(outside.body.type).toBe('urn:sentinel:problem:redirect_not_allowed');

    const ok = await t.call('POST', '/auth/password-reset/request', {
      apiKey: app.apiKey,
      body: { email: user.email, redirect_to: 'https://app.example.com/back' },
    });
    expect(ok.status).toBe(202);
    const mail = await smtp.waitFor(user.email, 'Reset your password');
    expect(mail.subject).toContain(app.name);
    expect(mail.text).toContain(app.name);
    const { token } = linkIn(mail, 'reset-password');
    const page = await t.app.inject({ method: 'GET', url: `/account/reset-password?token=${token}` });
    expect(page.headers['content-security-policy']).toContain('form-action');
    expect(page.headers['content-security-policy']).toContain('https://app.example.com');
    const set = await t.app.inject({
      method: 'POST',
      url: '/account/reset-password',
      ...formPost({ token, new_password: 'redirected passphrase' }),
    });
    expect(set.statusCode).toBe(303);
    expect(set.headers.location).toBe('https://app.example.com/back');
  });
});

describe('mail delivery when the SMTP server is down', () => {
  it('POST /auth/password-reset/request still answers 202, and the mail arrives once the server starts', async () => {
    const port = 20_000 + Math.floor(Math.random() * 40_000);
    const smtp = new MailCatcher();
    const metricsToken = 'metrics-token-0123456789';
    const t = await createTestApp({ config: { mail: smtp.config(port), metricsToken } });
    try {
      const user = await t.registerUser();
      const started = Date.now();
      const response = await t.call('POST', '/auth/password-reset/request', { body: { email: user.email } });
      expect(response.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Operators see the backlog: the reset and the registration's verification mail wait.
      const metrics = await t.call('GET', '/metrics', { apiKey: null, headers: { authorization: `Bearer ${metricsToken}` } });
      expect(metrics.text).toMatch(/sentinel_mail_outbox\{state="pending"\} 2/);
      await smtp.start(port);
      const mail = await smtp.waitFor(user.email, 'Reset your password', 1, 10_000);
      expect(linkIn(mail, 'reset-password').token.length).toBeGreaterThan(20);
    } finally {
      await t.close();
      await smtp.stop();
    }
  });
});

describe('mail off (no SMTP_URL)', () => {
  it('the email routes answer 503 mail_not_configured and registration works as before', async () => {
    const t = await createTestApp();
    try {
      const user = await t.registerUser();
      const reset = await t.call('POST', '/auth/password-reset/request', { body: { email: user.email } });
      expect(reset.status).toBe(503);
      expect(reset.body.type).toBe('urn:sentinel:problem:mail_not_configured');
      const { token } = await t.login(user);
      expect((await t.call('POST', '/auth/verify-email/request', { token })).status).toBe(503);
      // Without mail an email change applies at once, unverified.
      const changed = await t.call('POST', '/user/userinfo/update', { token, body: { email: `new-${user.email}` } });
      expect(changed.body.user.email).toBe(`new-${user.email}`);
      expect(changed.body.user.email_verified).toBe(false);
    } finally {
      await t.close();
    }
  });
});
