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
let cpu: NodeJS.CpuUsage | undefined;
// Counted as autocannon counts answers: those done by the deadline, over the duration. The
// hashes still running then finish uncounted, as a login's answer after its run's end does.
const timer = setTimeout(() => (cpu = process.cpuUsage(cpuBefore)), deadline - started);
await Promise.all(
  Array.from({ length: Number(options.concurrency) }, async (_, lane) => {
    while (performance.now() < deadline) {
      await passwords.hash(`bench password ${lane}`);
      if (performance.now() <= deadline) hashes += 1;
    }
  }),
);
clearTimeout(timer);
cpu ??= process.cpuUsage(cpuBefore);
const seconds = Number(options.duration);
process.stdout.write(`${JSON.stringify({ perSecond: hashes / seconds, hashes, seconds, cpuMicros: cpu.user + cpu.system, params })}\n`);
