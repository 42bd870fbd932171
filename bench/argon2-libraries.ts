/**
 * `argon2` (what Sentinel uses today) against `@node-rs/argon2` (a candidate, prebuilt Rust
 * binaries): first that each verifies the other's PHC strings (so switching needs no rehash
 * and stays reversible), then verifies and hashes per second at the configured parameters
 * (SENTINEL_ARGON2_*, 19 MiB t=2 p=1 by default) with as many in flight as the login
 * benchmark has connections, both on libuv's pool (4 threads unless UV_THREADPOOL_SIZE).
 * The libraries take turns, round after round, so a change in the machine's load hits both.
 *
 *   npm run bench:argon2 -- [--duration 5] [--rounds 2] [--concurrency 16]
 */
import { hash as rsHash, verify as rsVerify } from '@node-rs/argon2';
import argon2 from 'argon2';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config.js';

const { values: options } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '16' },
  },
});
const DURATION = Number(options.duration);
const ROUNDS = Number(options.rounds);
const CONCURRENCY = Number(options.concurrency);
const params = loadConfig().argon2;

interface Library {
  name: string;
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
}

const libraries: Library[] = [
  {
    name: 'argon2',
    hash: (password) =>
      argon2.hash(password, {
        type: argon2.argon2id,
        memoryCost: params.memoryKib,
        timeCost: params.iterations,
        parallelism: params.parallelism,
      }),
    verify: (hash, password) => argon2.verify(hash, password),
  },
  {
    name: '@node-rs/argon2',
    hash: (password) =>
      // 2 is Algorithm.Argon2id: the package declares it as a const enum, which isolated modules cannot read.
      rsHash(password, { algorithm: 2, memoryCost: params.memoryKib, timeCost: params.iterations, parallelism: params.parallelism }),
    verify: (hash, password) => rsVerify(hash, password),
  },
];

/** Each library must accept the other's hashes of the right password, and only those. */
async function checkCompatibility(): Promise<string[]> {
  const lines: string[] = [];
  for (const maker of libraries) {
    const passwords = Array.from({ length: 4 }, (_, i) => `compatibility ${i} ünïcödé ${'x'.repeat(i * 40)}`);
    const hashes = await Promise.all(passwords.map((password) => maker.hash(password)));
    for (const checker of libraries) {
      for (const [i, hash] of hashes.entries()) {
        const right = await checker.verify(hash, passwords[i]!);
        const wrong = await checker.verify(hash, `${passwords[i]!}!`);
        if (!right || wrong)
          throw new Error(
            `${checker.name} ${right ? 'accepted a wrong' : 'refused the right'} password for a hash made by ${maker.name}: ${hash}`,
          );
      }
      lines.push(
        `${checker.name} verifies ${maker.name}'s hashes (${hashes[0]!.split('$').slice(0, 4).join('$')}$...): right password yes, wrong password no`,
      );
    }
  }
  return lines;
}

async function rate(work: (lane: number) => Promise<unknown>): Promise<{ perSecond: number; cpuMicrosEach: number }> {
  await work(0);
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  const deadline = started + DURATION * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, lane) => {
      while (performance.now() < deadline) {
        await work(lane);
        done += 1;
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  return { perSecond: done / ((performance.now() - started) / 1000), cpuMicrosEach: (cpu.user + cpu.system) / done };
}

console.log(
  `argon2id m=${params.memoryKib} KiB, t=${params.iterations}, p=${params.parallelism}; ${CONCURRENCY} in flight, ` +
    `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? '4 (default)'}, ${os.availableParallelism()} CPUs, load average ${os.loadavg()[0]!.toFixed(2)}`,
);
for (const line of await checkCompatibility()) console.log(line);

// The PHC strings a login meets today: made by the `argon2` package.
const stored = await Promise.all(Array.from({ length: CONCURRENCY }, (_, lane) => libraries[0]!.hash(`bench password ${lane}`)));
const results = new Map<string, { verify: number[]; hash: number[]; verifyCpu: number[] }>();
for (let round = 0; round < ROUNDS; round++) {
  for (const library of round % 2 === 0 ? libraries : [...libraries].reverse()) {
    const entry = results.get(library.name) ?? { verify: [], hash: [], verifyCpu: [] };
    const verified = await rate((lane) => library.verify(stored[lane]!, `bench password ${lane}`));
    const hashed = await rate((lane) => library.hash(`bench password ${lane}`));
    entry.verify.push(verified.perSecond);
    entry.verifyCpu.push(verified.cpuMicrosEach);
    entry.hash.push(hashed.perSecond);
    results.set(library.name, entry);
    console.log(
      `round ${round + 1}: ${library.name.padEnd(16)} verify ${verified.perSecond.toFixed(1)}/s, hash ${hashed.perSecond.toFixed(1)}/s`,
    );
  }
}
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const base = results.get('argon2')!;
console.log(`\nlibrary            verify/s  hash/s  CPU ms per verify  verify vs argon2`);
for (const [name, entry] of results) {
  console.log(
    `${name.padEnd(16)} ${mean(entry.verify).toFixed(1).padStart(10)} ${mean(entry.hash).toFixed(1).padStart(7)} ` +
      `${(mean(entry.verifyCpu) / 1000).toFixed(1).padStart(18)} ${(mean(entry.verify) / mean(base.verify)).toFixed(2).padStart(17)}x`,
  );
}
console.log(`load average at the end ${os.loadavg()[0]!.toFixed(2)}`);
