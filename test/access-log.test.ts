import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

describe('the access log', () => {
  let t: TestApp;
  const lines: Record<string, any>[] = [];
  beforeAll(async () => {
    t = await createTestApp({ logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line)) } } });
  });
  afterAll(() => t.close());

  it('writes one line per request at info, with method, path, status and time, and never the token', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    lines.length = 0;
    expect((await t.call('GET', '/auth/verify', { token })).status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      method: 'GET',
      url: '/auth/verify',
      ip: '127.0.0.1',
      statusCode: 200,
    });
    expect(lines[0]!.responseTime).toBeTypeOf('number');
    expect(JSON.stringify(lines)).not.toContain(token);
  });
});
