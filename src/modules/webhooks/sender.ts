import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { CheckedTarget } from './url-safety.js';

/** The most of a receiver's answer that is read; the rest is dropped with the connection. */
const MAX_RESPONSE_BYTES = 16 * 1024;

export interface SendResult {
  /** The HTTP status, when an answer came; redirects are answers, never followed. */
  statusCode: number | null;
  /** Why no answer came (timeout, refused connection...). */
  error: string | null;
  durationMs: number;
}

/**
 * POSTs `body` to the checked target, connecting to the address that was checked (the URL's
 * host name still goes in the Host header and TLS's SNI and certificate check). Never throws.
 */
export function postJson(target: CheckedTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendResult> {
  const started = performance.now();
  const pinned: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ statusCode, error, durationMs: Math.round(performance.now() - started) });
    };
    const request = client.request(target.url, {
      method: 'POST',
      agent: false,
      lookup: pinned,
      headers: {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        'user-agent': 'Sentinel-Webhooks/1',
        ...headers,
      },
    });
    const timer = setTimeout(() => {
      request.destroy();
      finish(null, `no answer within ${timeoutMs} ms`);
    }, timeoutMs);
    request.on('response', (response) => {
      let read = 0;
      response.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > MAX_RESPONSE_BYTES) {
          response.destroy();
          request.destroy();
          finish(response.statusCode ?? null, null);
        }
      });
      response.on('end', () => finish(response.statusCode ?? null, null));
      response.on('error', () => finish(response.statusCode ?? null, null));
    });
    request.on('error', (error) => finish(null, describe(error)));
    request.end(body);
  });
}

/** A network error in a few words, without anything the receiver chose to send. */
function describe(error: Error & { code?: string }): string {
  return error.code ? `${error.code}: ${error.message}`.slice(0, 300) : error.message.slice(0, 300);
}
