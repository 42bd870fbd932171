import { randomUUID } from 'node:crypto';
import { summarizeFieldErrors } from '../../http/errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { NewImportedUser } from './import-repository.js';
import { dedupe, type Keyed, type UserImportService } from './import-service.js';
import { columnOf, type Skip } from './items.js';
import { SeenKeys } from './seen-keys.js';
import type { SourceRow } from './sources.js';

export interface BulkImportOptions {
  /** Rows per INSERT statement. */
  batchSize: number;
  /**
   * Batches written at once (PostgreSQL: 2 keeps a second server core busy; PGlite has one
   * connection, so 1). Rows never race: see SeenKeys.
   */
  concurrency?: number;
  dryRun: boolean;
  /** The file's name (no directories), recorded in the audit log with each batch. */
  fileName: string;
  /** Called for every skipped row, in line order. */
  onSkip: (line: number, skip: Skip) => void | Promise<void>;
  /** Called after each batch is written. */
  onProgress?: (stats: BulkImportStats) => void;
}

export interface BulkImportStats {
  rows: number;
  created: number;
  /** Dry runs only: rows that would be created. */
  wouldCreate: number;
  skipped: number;
  skippedByReason: Record<string, number>;
}

interface Batch {
  /** 1, 2, ...: the order batches are read in. */
  number: number;
  firstLine: number;
  lastLine: number;
  users: Keyed<NewImportedUser>[];
  problems: { line: number; skip: Skip }[];
  /** Some email or username of this batch may be on an earlier line: write it after every earlier batch. */
  repeatsEarlierRows: boolean;
}

/**
 * Streams rows into the database in batches: each batch is checked, de-duplicated and
 * written with one statement while the next ones are read, so memory stays at a few batches
 * whatever the file's size. Each row lands whole or is skipped with its line and reason; a
 * row whose email or username already exists is skipped, so running the same file twice
 * creates nobody the second time. Of rows sharing an email or username, the first in the
 * file wins, also across batches written at once.
 */
export async function bulkImport(
  rows: AsyncIterable<SourceRow>,
  service: UserImportService,
  options: BulkImportOptions,
  context: RequestContext,
): Promise<BulkImportStats> {
  const stats: BulkImportStats = { rows: 0, created: 0, wouldCreate: 0, skipped: 0, skippedByReason: {} };
  const concurrency = Math.max(1, options.concurrency ?? 1);
  const since = await service.databaseNow();
  const describe = (line: number) => `line ${line}`;
  const seen = new SeenKeys();
  // Ties the batch events of one run together, and to its closing `users.imported`.
  const runId = randomUUID();
  const source = { source: 'cli', run_id: runId, file: options.fileName };

  const write = async (batch: Batch) => {
    const { unique, duplicates } = dedupe(batch.users, describe);
    const outcomes = await service.writeFileBatch(
      unique,
      { dryRun: options.dryRun, since, describe },
      { context, detail: { ...source, batch: batch.number, first_line: batch.firstLine, last_line: batch.lastLine } },
    );
    const found = [...batch.problems, ...duplicates.map(({ key, skip }) => ({ line: key, skip }))];
    let created = 0;
    let wouldCreate = 0;
    for (const [line, outcome] of outcomes) {
      if (outcome.status === 'created') created += 1;
      else if (outcome.status === 'would_create') wouldCreate += 1;
      else found.push({ line, skip: outcome.skip });
    }
    return { created, wouldCreate, found: found.sort((a, b) => a.line - b.line) };
  };
  const report = async (result: Awaited<ReturnType<typeof write>>) => {
    stats.created += result.created;
    stats.wouldCreate += result.wouldCreate;
    for (const { line, skip } of result.found) {
      stats.skipped += 1;
      stats.skippedByReason[skip.reason] = (stats.skippedByReason[skip.reason] ?? 0) + 1;
      await options.onSkip(line, skip);
    }
    options.onProgress?.(stats);
  };

  // Writes in flight, oldest first; each settles once its batch is written and reported, in file order.
  const inFlight: Promise<void>[] = [];
  let reported: Promise<void> = Promise.resolve();
  const start = async (batch: Batch) => {
    if (batch.repeatsEarlierRows) await Promise.all(inFlight);
    while (inFlight.length >= concurrency) await inFlight.shift();
    const written = write(batch);
    reported = Promise.all([written, reported]).then(([result]) => report(result));
    // Marked handled now; start() or the end of the run awaits it and throws its error there.
    reported.catch(() => {});
    inFlight.push(reported);
  };

  let batches = 1;
  const newBatch = (): Batch => ({ number: batches, firstLine: 0, lastLine: 0, users: [], problems: [], repeatsEarlierRows: false });
  let batch = newBatch();
  try {
    for await (const row of rows) {
      stats.rows += 1;
      batch.firstLine ||= row.line;
      batch.lastLine = row.line;
      if ('malformed' in row) {
        batch.problems.push({ line: row.line, skip: { reason: 'malformed_line', detail: row.malformed } });
      } else {
        const check = service.checkFileItem(row.item);
        if (!check.ok) batch.problems.push({ line: row.line, skip: forFile(check.skip) });
        else if (check.user.password.kind === 'imported') {
          const { user } = check;
          const stored = check.user.password.stored;
          // Both keys are always added (no short-circuit), so later rows are checked against them.
          const emailSeen = seen.add(`e:${user.email.toLowerCase()}`);
          const usernameSeen = seen.add(`u:${user.username.toLowerCase()}`);
          if (emailSeen || usernameSeen) batch.repeatsEarlierRows = true;
          batch.users.push({ key: row.line, user: { ...user, password: stored } });
        }
      }
      if (batch.users.length >= options.batchSize) {
        await start(batch);
        batches += 1;
        batch = newBatch();
      }
    }
    await start(batch);
  } finally {
    // A failed read must not leave writes running against a database about to close.
    await Promise.allSettled(inFlight);
  }
  await reported;
  await service.recordRun(
    {
      ...source,
      dry_run: options.dryRun,
      rows: stats.rows,
      created: stats.created,
      would_create: stats.wouldCreate,
      skipped: stats.skipped,
    },
    context,
  );
  return stats;
}

/** File rows are flat: name the column rather than the register body's JSON pointer. */
function forFile(skip: Skip): Skip {
  if (skip.reason !== 'invalid' || !skip.errors?.length) return skip;
  return { ...skip, detail: summarizeFieldErrors(skip.errors, columnOf) };
}
