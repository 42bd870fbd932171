// A webhook receiver that trusts a body only once its Standard Webhooks signature checks out.
// Run: WEBHOOK_SECRET=whsec_... PORT=3101 node examples/webhooks/receiver.js   (no dependencies)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Buffer } from 'node:buffer';
import http from 'node:http';

const secret = process.env.WEBHOOK_SECRET ?? '';
const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
/** Older messages are refused: a captured request cannot be replayed later. */
const TOLERANCE_SECONDS = 5 * 60;
/** Message ids already handled: a delivery can come twice (at least once), each is acted on once. */
const seen = new Set();

function verify(headers, body) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures) return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) return false;
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  // The header may list several space-separated signatures (during a secret rotation): any may match.
  return signatures.split(' ').some((entry) => {
    const [version, signature = ''] = entry.split(',');
    const given = Buffer.from(signature, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

http
  .createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8'); // the raw body: re-serialized JSON would not verify
      if (!verify(request.headers, body)) return response.writeHead(401).end();
      const id = request.headers['webhook-id'];
      if (!seen.has(id)) {
        seen.add(id);
        const event = JSON.parse(body);
        console.log(`${event.type} ${JSON.stringify(event.data)}`);
      }
      response.writeHead(204).end();
    });
  })
  .listen(Number(process.env.PORT ?? 3101));
