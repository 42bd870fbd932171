import { afterAll, describe, expect, it } from 'vitest';
import { within } from './helpers/eventually.js';
import { cliEnv, commandDatabase, runCli, startServer, tempDir } from './helpers/cli.js';
import { startReceiver, verified, type Receiver } from './helpers/webhooks.js';

const database = commandDatabase();
const API_KEY = 'sk_test_webhooks_crash_0123456789';

describe('sentinel serve killed with an event in its outbox', () => {
  const receivers: Receiver[] = [];
  afterAll(async () => {
    await Promise.all(receivers.map((r) => r.close()));
  });

  it('delivers it after a restart: the event was committed with the change, not held in memory', async () => {
    const env = cliEnv({
      SENTINEL_DATA_DIR: tempDir(),
      DATABASE_URL: database.url(),
      SENTINEL_API_KEY: API_KEY,
      SENTINEL_JWT_SECRET: 'a-test-secret-of-at-least-32-bytes-0123456789',
      SENTINEL_WEBHOOKS_ALLOW_HTTP: 'true',
      SENTINEL_WEBHOOKS_ALLOW_PRIVATE: 'true',
      SENTINEL_WEBHOOKS_TIMEOUT: '2',
    });
    const created = await runCli(['operator', 'create', '--email', 'op@example.com', '--username', 'operator'], env, 'operator password\n');
    expect(created.code, created.stderr).toBe(0);
    // A port with nothing listening yet: the first server's attempt fails, and the event waits in the outbox.
    const absent = await startReceiver();
    await absent.close();

    const first = await startServer(env);
    const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
    const login: any = await (
      await post(`${first.url}/auth/login`, { email: 'op@example.com', password: 'operator password' }, { 'x-api-key': API_KEY })
    ).json();
    const auth = { authorization: `Bearer ${login.token}` };
    const hook: any = await (await post(`${first.url}/operator/webhooks`, { url: absent.url, events: ['user.created'] }, auth)).json();
    const registered = await post(
      `${first.url}/auth/register`,
      { user_info: { username: 'ada', email: 'ada@example.com' }, password: 'analytical engine' },
      { 'x-api-key': API_KEY },
    );
    expect(registered.status).toBe(201);
    const userId = ((await registered.json()) as any).user.user_id;
    const deliveries = async (base: string) =>
      ((await (await fetch(`${base}/operator/webhooks/${hook.webhook.webhook_id}/deliveries`, { headers: auth })).json()) as any)
        .deliveries;
    expect(await within(10_000, async () => (await deliveries(first.url))[0]?.attempts.length === 1)).toBe(true);
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));

    const receiver = await startReceiver(() => ({ status: 200 }), absent.port);
    receivers.push(receiver);
    const second = await startServer(env);
    try {
      expect(await within(20_000, async () => receiver.received.length >= 1)).toBe(true);
      expect(verified(hook.secret, receiver.received[0]!)).toMatchObject({ type: 'user.created', data: { user_id: userId } });
      expect(await within(5000, async () => (await deliveries(second.url))[0]?.status === 'delivered')).toBe(true);
      expect(receiver.received).toHaveLength(1);
    } finally {
      await second.stop();
    }
  }, 180_000);
});
