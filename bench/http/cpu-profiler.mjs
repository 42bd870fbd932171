/**
 * Preloaded into a benchmarked server (`node --import bench/http/cpu-profiler.mjs ...`) so
 * that its CPU profile covers the measured run only, not start-up and warm-up as
 * `--cpu-prof` would: the first SIGUSR2 starts V8's sampling profiler, the second stops it,
 * writes the profile to $BENCH_CPU_PROFILE and prints "PROFILE WRITTEN" on stderr.
 * Plain JavaScript, so the server runs exactly as `node dist/cli.js serve` otherwise would.
 */
import fs from 'node:fs';
import process from 'node:process';
import { Session } from 'node:inspector/promises';

const file = process.env.BENCH_CPU_PROFILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    void (async () => {
      if (!running) {
        running = true;
        await session.post('Profiler.enable');
        await session.post('Profiler.setSamplingInterval', { interval: 500 });
        await session.post('Profiler.start');
        return;
      }
      running = false;
      const { profile } = await session.post('Profiler.stop');
      fs.writeFileSync(file, JSON.stringify(profile));
      process.stderr.write('PROFILE WRITTEN\n');
    })();
  });
}
