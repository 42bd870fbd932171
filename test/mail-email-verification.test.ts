import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, unique, type TestApp } from './helpers/app.js';
import { formPost, linkIn, MailCatcher } from './helpers/smtp.js';
import { enrollTotp } from './helpers/totp.js';

describe('email verification and email change by mail (real SMTP server on loopback)', () => {
  let t: TestApp;
  const smtp = new MailCatcher();

  beforeAll(async () => {
    await smtp.start();
    t = await createTestApp({ config: { mail: smtp.config(), requireVerifiedEmail: true } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.stop();
  });

  it('POST /auth/register mails a link; its page confirms with a POST (never a GET) and login then works', async () => {
    const user = await t.registerUser();
    const refused = await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    expect(refused.status).toBe(403);
    expect(refused.body.type).toBe('urn:sentinel:problem:email_not_verified');
    const wrong = await t.call('POST', '/auth/login', { body: { email: user.email, password: 'not the password' } });
    expect(wrong.status).toBe(401); // the 403 comes only after the right password

    const mail = await smtp.waitFor(user.email, 'Confirm your email address');
    const { url, token } = linkIn(mail, 'verify-email');
    const path = url.slice(url.indexOf('/account/'));
    const page = await t.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('method="post"');
    expect(page.body).toContain(user.email);
    // The GET (a mail scanner's prefetch) changed nothing.
    expect((await t.call('POST', '/auth/login', { body: { email: user.email, password: user.password } })).status).toBe(403);

    const confirmed = await t.app.inject({ method: 'POST', url: '/account/verify-email', ...formPost({ token }) });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('is confirmed');
    const session = await t.login(user);
    expect(session.user.email_verified).toBe(true);

    const again = await t.call('POST', '/auth/verify-email/confirm', { apiKey: null, body: { token } });
    expect(again.status).toBe(400);
    expect(again.body.type).toBe('urn:sentinel:problem:invalid_token');
    expect((await t.call('POST', '/auth/verify-email/request', { token: session.token })).status).toBe(409);
  });

  it('POST /auth/verify-email/request mails a new link valid 24 hours (fixed clock)', async () => {
    const operator = await t.createOperator();
    const { token: opToken } = await t.login(operator);
    const user = await t.registerUser();
    // An operator vouches, to let the user log in; then withdraws it, and the user asks for a link.
    await t.call('POST', '/operator/userinfo/update', { token: opToken, body: { user_id: user.id, email_verified: true } });
    const session = await t.login(user);
    await t.call('POST', '/operator/userinfo/update', { token: opToken, body: { user_id: user.id, email_verified: false } });
    const request = await t.call('POST', '/auth/verify-email/request', { token: session.token });
    expect(request.status).toBe(202);
    const { token } = linkIn(await smtp.waitFor(user.email, 'Confirm your email address', 2), 'verify-email');
    t.clock.advance(86_401);
    const late = await t.call('POST', '/auth/verify-email/confirm', { apiKey: null, body: { token } });
    expect(late.status).toBe(400);
    expect(late.body.type).toBe('urn:sentinel:problem:invalid_token');
  });

  it('POST /user/userinfo/update keeps the old email until the link mailed to the new one is confirmed; the old one gets a notice', async () => {
    const operator = await t.createOperator();
    const { token: opToken } = await t.login(operator);
    const user = await t.registerUser();
    await t.call('POST', '/operator/userinfo/update', { token: opToken, body: { user_id: user.id, email_verified: true } });
    const session = await t.login(user);
    const newEmail = `${unique('moved')}@example.org`;

    const update = await t.call('POST', '/user/userinfo/update', { token: session.token, body: { email: newEmail, first_name: 'Moved' } });
    expect(update.status).toBe(200);
    expect(update.body.user.email).toBe(user.email);
    expect(update.body.user.first_name).toBe('Moved');

    const mail = await smtp.waitFor(newEmail, 'Confirm your new email address');
    const { token } = linkIn(mail, 'verify-email');
    const page = await t.app.inject({ method: 'GET', url: `/account/verify-email?token=${token}` });
    expect(page.body).toContain(newEmail);
    const confirmed = await t.app.inject({ method: 'POST', url: '/account/verify-email', ...formPost({ token }) });
    expect(confirmed.statusCode).toBe(200);

    const verify = await t.call('GET', '/auth/verify', { token: session.token });
    expect(verify.body.user.email).toBe(newEmail);
    expect(verify.body.user.email_verified).toBe(true);
    const notice = await smtp.waitFor(user.email, 'Your email address was changed');
    expect(notice.text).toContain(newEmail);
  });

  it('POST /operator/userinfo/update changes the email at once and notifies the old address', async () => {
    const operator = await t.createOperator();
    const { token: opToken } = await t.login(operator);
    const user = await t.registerUser();
    const newEmail = `${unique('op-moved')}@example.org`;
    const update = await t.call('POST', '/operator/userinfo/update', { token: opToken, body: { user_id: user.id, email: newEmail } });
    expect(update.status).toBe(200);
    expect(update.body.user.email).toBe(newEmail);
    expect(update.body.user.email_verified).toBe(false);
    await smtp.waitFor(user.email, 'Your email address was changed');
  });

  it('password change and TOTP removal send notices', async () => {
    const user = await t.registerUser();
    const operator = await t.createOperator();
    const { token: opToken } = await t.login(operator);
    await t.call('POST', '/operator/userinfo/update', { token: opToken, body: { user_id: user.id, email_verified: true } });
    const session = await t.login(user);
    const changed = await t.call('POST', '/auth/reset-password', {
      token: session.token,
      body: { old_password: user.password, new_password: 'changed passphrase' },
    });
    expect(changed.status).toBe(200);
    await smtp.waitFor(user.email, 'Your password was changed');

    await enrollTotp(t, { ...user, password: 'changed passphrase' });
    const off = await t.call('POST', `/operator/users/${user.id}/otp/disable`, { token: opToken });
    expect(off.status).toBe(200);
    const notice = await smtp.waitFor(user.email, 'Two-factor login was turned off');
    expect(notice.html).toContain('turned off');
  });
});
