import type { Command } from 'commander';
import { systemClock } from '../clock.js';
import { loadConfig, type Config } from '../config.js';
import { AuditLog } from '../modules/audit/audit-log.js';
import { createKeyServices, type KeyServices } from '../modules/keys/compose.js';
import type { ListedKey } from '../modules/keys/key-service.js';
import { loadInstanceSecrets } from '../modules/system/instance-secrets.js';
import { openRuntime } from '../runtime.js';

export function keyCommands(program: Command): void {
  const keys = program.command('keys').description('manage the keys that sign access tokens');
  keys
    .command('rotate')
    .description('make a new key the signer at once; the old one verifies its tokens until they expire')
    .action(async () => {
      await withKeys('keys rotate', async ({ rotation, keys }, config) => {
        const key = await rotation.rotate(
          { actorUserId: null, context: { ip: null, userAgent: 'sentinel-cli', appId: null } },
          config.jwtAlgorithm,
        );
        process.stdout.write(`${key.kid}\n`);
        process.stderr.write(`${key.alg} key ${key.kid} signs from now on, in every process on this database\n`);
        for (const old of (await keys.list()).filter((other) => other.status === 'retiring')) {
          process.stderr.write(`${old.kid} verifies the tokens it signed until ${old.retiresAt!.toISOString()}\n`);
        }
      });
    });
  keys
    .command('list')
    .description('print every signing key, newest first: kid, algorithm, status, created, retires')
    .action(async () => {
      await withKeys('keys list', async ({ keys }) => {
        for (const key of await keys.list()) process.stdout.write(`${lineOf(key)}\n`);
      });
    });
}

async function withKeys(command: string, work: (services: KeyServices, config: Config) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const runtime = await openRuntime(config, command);
  try {
    const secrets = await loadInstanceSecrets(runtime.database.db, config);
    const services = createKeyServices({
      // The command never starts the ring, so it never switches the installation's algorithm.
      algorithm: config.jwtAlgorithm,
      database: runtime.database,
      audit: new AuditLog(runtime.database.db),
      clock: systemClock,
      encryptionKey: secrets.encryptionKeys ?? secrets.encryptionKey ?? secrets.jwtSecret,
      hmacSecret: secrets.jwtSecret,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      pollMs: 5000,
      onBackgroundError: () => {},
    });
    await work(services, config);
  } finally {
    await runtime.close();
  }
}

function lineOf(key: ListedKey): string {
  return [key.kid, key.alg, key.status, key.createdAt.toISOString(), key.retiresAt?.toISOString() ?? '-'].join('\t');
}
