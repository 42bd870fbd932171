import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { loadConfig, type Config, type WebhookConfig } from '../../src/config.js';
import { createTestApp, type TestApp } from './app.js';

/** A request a receiver got. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  at: number;
}

/** What the receiver answers the n-th request (0-based): a status, after an optional delay. */
export type Answer = (index: number, request: Received) => { status: number; delayMs?: number; headers?: Record<string, string> };

export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** The bodies of requests answered 2xx, parsed. */
  accepted(): { type: string; timestamp: string; data: any }[];
  /** Requests received and not yet answered. */
  holding(): number;
  close(): Promise<void>;
}

/** A local webhook receiver (node:http on port 0, or on `port`): records every request, answers as `answer` says. */
export async function startReceiver(answer: Answer = () => ({ status: 204 }), port = 0): Promise<Receiver> {
  const received: Received[] = [];
  const statuses: number[] = [];
  let answered = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const entry = { headers: request.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() };
      const index = received.push(entry) - 1;
      const { status, delayMs, headers } = answer(index, entry);
      statuses[index] = status;
      setTimeout(() => {
        response.writeHead(status, headers);
        response.end('ok');
        answered += 1;
      }, delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/hooks`,
    port: actual,
    received,
    accepted: () => received.filter((_, i) => statuses[i]! >= 200 && statuses[i]! < 300).map((entry) => JSON.parse(entry.body)),
    holding: () => received.length - answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Delivery settings for tests: local http receivers allowed, and retries within a fraction of a second. */
export function testWebhookConfig(overrides: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    ...loadConfig({ SENTINEL_WEBHOOKS_ALLOW_HTTP: 'true', SENTINEL_WEBHOOKS_ALLOW_PRIVATE: 'true' }).webhooks,
    timeoutMs: 2000,
    backoffBaseMs: 40,
    backoffMaxMs: 200,
    pollMs: 250,
    ...overrides,
  };
}

export function createWebhookTestApp(overrides: Partial<WebhookConfig> = {}, config: Partial<Config> = {}): Promise<TestApp> {
  return createTestApp({ config: { ...config, webhooks: testWebhookConfig(overrides) } });
}

/** Subscribes `url` through the API as an operator; answers the webhook and its secret. */
export async function subscribe(
  t: TestApp,
  token: string,
  body: { url: string; events: string[]; app_id?: number },
): Promise<{ id: string; secret: string }> {
  const response = await t.call('POST', '/operator/webhooks', { token, body });
  if (response.status !== 201) throw new Error(`subscribe failed: ${response.status} ${response.text}`);
  return { id: response.body.webhook.webhook_id, secret: response.body.secret };
}

/** Verifies a received request with the standardwebhooks package; answers the payload or throws. */
export function verified(secret: string, request: Received): unknown {
  return new Webhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}
