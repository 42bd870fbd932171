import type { Command } from 'commander';
import { loadConfig, type Config } from '../config.js';
import type { KeyServices } from '../modules/keys/compose.js';
import { openServices } from './services.js';
import type { ListedKey } from '../modules/keys/key-service.js';

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
  // The command never starts the key ring, so it never switches the installation's algorithm.
  const { services, close } = await openServices(config, command);
  try {
    await work(services.signingKeys, config);
  } finally {
    await close();
  }
}

function lineOf(key: ListedKey): string {
  return [key.kid, key.alg, key.status, key.createdAt.toISOString(), key.retiresAt?.toISOString() ?? '-'].join('\t');
}
