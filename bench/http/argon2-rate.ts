/**
 * The login ceiling: argon2id hashes per second through the service's own Passwords class
 * (@node-rs/argon2), at the configured parameters (SENTINEL_ARGON2_*, OWASP's
 * 19 MiB, t=2, p=1 by default), with as many hashes in flight as the login benchmark has
 * connections. Both run on libuv's default pool of 4 threads, in a process of their own.
 * Prints one JSON line: { perSecond, hashes, seconds, cpuMicros, params }.
 *
 *   node --import tsx bench/http/argon2-rate.ts [--duration 10] [--concurrency 16]
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config.js';
import { Passwords } from '../../src/modules/accounts/passwords.js';

const { values: options } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '16' } },
});
const params = loadConfig().argon2;
const passwords = new Passwords(params);

await passwords.hash('warm up the pool');
const cpuBefore = process.cpuUsage();
const started = performance.now();
const deadline = started + Number(options.duration) * 1000;
let hashes = 0;
await Promise.all(
  Array.from({ length: Number(options.concurrency) }, async (_, lane) => {
    while (performance.now() < deadline) {
      await passwords.hash(`bench password ${lane}`);
      hashes += 1;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const cpu = process.cpuUsage(cpuBefore);
process.stdout.write(`${JSON.stringify({ perSecond: hashes / seconds, hashes, seconds, cpuMicros: cpu.user + cpu.system, params })}\n`);
