import type { Command } from 'commander';
import { sql } from 'drizzle-orm';
import fs from 'node:fs';
import { loadConfig } from '../config.js';
import { sha256Hex } from '../crypto/secrets.js';
import { queryRows } from '../db/client.js';
import { apiKeyFile, BOOTSTRAP_KEY_SETTING, newBootstrapKey, writeKeyFile } from '../modules/system/instance-secrets.js';
import { CLI_CONTEXT } from './context.js';
import { CliError } from './errors.js';
import { openServices } from './services.js';

export function apiKeyCommands(program: Command): void {
  const apiKey = program.command('api-key').description('manage the bootstrap API key');
  apiKey
    .command('rotate')
    .description(
      'replace the generated bootstrap API key: the old one stops working at once, the new one is written to the key file (mode 600)',
    )
    .action(async () => {
      const config = loadConfig();
      if (config.apiKey !== undefined) {
        throw new CliError('the bootstrap key comes from SENTINEL_API_KEY: set a new value there and restart each server');
      }
      const { database, services, close } = await openServices(config, 'api-key rotate');
      try {
        const key = newBootstrapKey();
        const file = apiKeyFile(config);
        // Written beside the file first: a key the database knows but no file holds would lock the operator out.
        const pending = `${file}.new`;
        writeKeyFile(pending, key);
        await database.db.transaction(async (tx) => {
          await queryRows(
            tx,
            sql`INSERT INTO instance_settings (key, value) VALUES (${BOOTSTRAP_KEY_SETTING}, ${sha256Hex(key)})
                ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
          );
          await services.audit.record({ action: 'instance.api_key_rotated', actorUserId: null }, CLI_CONTEXT, tx);
        });
        fs.renameSync(pending, file);
        process.stdout.write(`New bootstrap API key written to ${file}; the old key no longer works\n`);
      } finally {
        await close();
      }
    });
}
