#!/usr/bin/env node
import { Command } from 'commander';
import { CliError } from './cli/errors.js';
import { apiKeyCommands } from './cli/api-key.js';
import { auditCommands } from './cli/audit.js';
import { backupCommand } from './cli/backup.js';
import { encryptionKeyCommands } from './cli/encryption-key.js';
import { importCommand } from './cli/import.js';
import { keyCommands } from './cli/keys.js';
import { operatorCommands } from './cli/operator.js';
import { ConfigError, loadConfig } from './config.js';
import { DataDirLockedError } from './db/data-dir-lock.js';
import { DataDirPermissionError } from './db/data-dir-permissions.js';
import { DatabaseUnreachableError, databaseErrorOf, unavailableReason } from './db/errors.js';
import { constraintErrorOf } from './constraint-errors.js';
import { AppError } from './http/errors.js';
import { openRuntime } from './runtime.js';
import { serve } from './server.js';
import { VERSION } from './version.js';

// Everything this process creates (database files, key files, reports, backups) is its user's alone.
process.umask(0o077);

const program = new Command().name('sentinel').description('Sentinel: one user base shared by many apps').version(VERSION);

program
  .command('serve')
  .description('serve the HTTP API (migrates the database first)')
  .action(async () => {
    await serve(loadConfig());
  });

program
  .command('migrate')
  .description('apply pending database migrations, then exit')
  .action(async () => {
    const runtime = await openRuntime(loadConfig(), 'migrate');
    await runtime.close();
    process.stderr.write('Database is up to date\n');
  });

operatorCommands(program);
auditCommands(program);
importCommand(program);
backupCommand(program);
apiKeyCommands(program);
encryptionKeyCommands(program);
keyCommands(program);

program.parseAsync().catch((error: unknown) => {
  const database = databaseErrorOf(error);
  error = constraintErrorOf(error) ?? error;
  if (error instanceof AppError) {
    process.stderr.write(`sentinel: ${error.detail ?? error.title}\n`);
  } else if (error instanceof DatabaseUnreachableError) {
    process.stderr.write(`sentinel: ${error.message}\n`);
  } else if (database) {
    // Not the wrapper's message: it lists the query's parameters, password hashes among them.
    process.stderr.write(`sentinel: database error ${database.code}: ${database.message}\n`);
  } else if (
    error instanceof CliError ||
    error instanceof ConfigError ||
    error instanceof DataDirLockedError ||
    error instanceof DataDirPermissionError
  ) {
    process.stderr.write(`sentinel: ${error.message}\n`);
  } else if (unavailableReason(error)) {
    process.stderr.write(`sentinel: lost the connection to PostgreSQL: ${unavailableReason(error)}\n`);
  } else {
    process.stderr.write(`sentinel: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
