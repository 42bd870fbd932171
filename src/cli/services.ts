import { systemClock } from '../clock.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { loadInstanceSecrets } from '../modules/system/instance-secrets.js';
import { openRuntime, type Runtime } from '../runtime.js';
import { createServices, type Services } from '../services.js';

export interface CommandServices {
  database: Database;
  /** How this process reaches the database (see Runtime). */
  access: Runtime['access'];
  /** The services `sentinel serve` runs on, built by the same composition root (src/services.ts). */
  services: Services;
  close(): Promise<void>;
}

/** Opens the database for a command (migrated, a PGlite data directory locked) and builds the services on it. */
export async function openServices(config: Config, command: string): Promise<CommandServices> {
  const runtime = await openRuntime(config, command);
  try {
    const secrets = await loadInstanceSecrets(runtime.database.db, config);
    const services = createServices({
      config,
      database: runtime.database,
      secrets,
      clock: systemClock,
      revocationPollMs: 5000,
      // A command starts no background work: nothing to report.
      onBackgroundError: () => {},
    });
    return { database: runtime.database, access: runtime.access, services, close: () => runtime.close() };
  } catch (error) {
    await runtime.close();
    throw error;
  }
}
