import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, TEST_API_KEY, type TestApp } from './helpers/app.js';

/*
 * What Node itself refuses, before Fastify routes a request, and clients that stall.
 * Threat: a client opening connections and sending slowly (slowloris) holds them forever.
 */
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await createTestApp({ env: { SENTINEL_REQUEST_TIMEOUT: '1', SENTINEL_KEEP_ALIVE_TIMEOUT: '1' } });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  port = (t.app.server.address() as net.AddressInfo).port;
});
afterAll(() => t.close());

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** Whether the server closed the connection within the wait. */
  closed: boolean;
  elapsedMs: number;
}

/** Writes `data` on a fresh connection and reads until the server closes it (or `waitMs` passes). */
function exchange(data: string, waitMs = 5000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1', () => socket.write(data));
    let received = '';
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const [head = '', body = ''] = received.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
      );
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = body;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: parsed, closed, elapsedMs: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('close', () => finish(true));
    socket.on('error', reject);
  });
}

const expectProblem = (answer: RawAnswer, status: number, code: string) => {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ type: `urn:sentinel:problem:${code}`, status });
  expect(answer.closed).toBe(true);
};

describe('requests Node refuses, answered with problem details', () => {
  it('a request line that is not HTTP answers 400 application/problem+json', async () => {
    expectProblem(await exchange('HELLO SENTINEL\r\n\r\n'), 400, 'bad_request');
  });

  it('headers larger than 16 KiB answer 431 application/problem+json', async () => {
    const answer = await exchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectProblem(answer, 431, 'headers_too_large');
    expect(answer.body.detail).toContain('16 KiB');
  });
});

describe('timeouts (SENTINEL_REQUEST_TIMEOUT=1s, SENTINEL_KEEP_ALIVE_TIMEOUT=1s)', () => {
  it('POST /auth/login whose body stalls answers 408 application/problem+json and closes the connection', async () => {
    const answer = await exchange(
      `POST /auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-API-KEY: ${TEST_API_KEY}\r\nContent-Length: 100\r\n\r\n{"email":`,
    );
    expectProblem(answer, 408, 'request_timeout');
    expect(answer.elapsedMs).toBeLessThan(3500);
  });

  it('headers that stall answer 408 application/problem+json', async () => {
    const answer = await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    expectProblem(answer, 408, 'request_timeout');
    expect(answer.elapsedMs).toBeLessThan(3500);
  });

  it('an idle keep-alive connection is closed after the keep-alive timeout', async () => {
    const answer = await exchange('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    expect(answer.status).toBe(200);
    expect(answer.closed).toBe(true);
    expect(answer.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(answer.elapsedMs).toBeLessThan(3500);
  });
});
