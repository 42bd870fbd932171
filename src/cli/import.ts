import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { loadConfig } from '../config.js';
import { bulkImport, type BulkImportStats } from '../modules/import/bulk-import.js';
import type { Skip } from '../modules/import/items.js';
import { formatOfFileName, readRows, type ImportFormat, type SourceRow } from '../modules/import/sources.js';
import { CliError } from './errors.js';
import { openServices } from './services.js';

interface ImportOptions {
  format?: string;
  report?: string;
  batchSize: string;
  dryRun?: boolean;
  progress: boolean;
}

const DEFAULT_BATCH_SIZE = 5000;

export function importCommand(program: Command): void {
  program
    .command('import')
    .description('import users with their password hashes from a CSV or JSON Lines file')
    .argument(
      '<file>',
      'CSV (header: username,email,first_name,last_name,password_hash,hash_algorithm[,salt,salt_position,email_verified]) or JSON Lines',
    )
    .option('--format <format>', 'csv or jsonl (default: from the file name, .csv or .jsonl/.ndjson)')
    .option('--report <path>', 'where to write the skipped rows (default: FILE.skipped.csv beside the input)')
    .option('--batch-size <rows>', 'rows per INSERT statement', String(DEFAULT_BATCH_SIZE))
    .option('--dry-run', 'check every row and report what would be skipped, writing no user')
    .option('--no-progress', 'no progress bar or progress lines')
    .action(async (file: string, options: ImportOptions) => {
      const input = path.resolve(file);
      const stat = fs.statSync(input, { throwIfNoEntry: false });
      if (!stat?.isFile()) throw new CliError(`${file} is not a file`);
      const format = formatOf(input, options.format);
      const batchSize = batchSizeOf(options.batchSize);
      const reportPath = path.resolve(options.report ?? defaultReportPath(input));
      if (reportPath === input) throw new CliError('--report must not be the input file');

      const config = loadConfig();
      const source = fs.createReadStream(input, { highWaterMark: 1024 * 1024 });
      let rows: AsyncIterable<SourceRow>;
      try {
        // The header and first row are read before the database is opened (and a PGlite data
        // directory locked): a file that cannot be imported at all fails at once, touching nothing.
        rows = await withFirstRowRead(readRows(source, format));
      } catch (error) {
        source.destroy();
        throw error;
      }
      const opened = await openServices(config, 'import');
      const started = performance.now();
      let report: Awaited<ReturnType<typeof openReport>> | undefined;
      let progress: Progress | undefined;
      let stats: BulkImportStats;
      try {
        report = await openReport(reportPath);
        const write = report.write;
        progress = options.progress ? startProgress(stat.size, () => source.bytesRead) : undefined;
        stats = await bulkImport(
          rows,
          opened.services.userImport,
          {
            batchSize,
            // A second batch in flight keeps a second PostgreSQL core busy; PGlite runs one statement at a time anyway.
            concurrency: opened.database.engine === 'postgres' ? 2 : 1,
            dryRun: options.dryRun ?? false,
            fileName: path.basename(input),
            onSkip: write,
            onProgress: (s) => progress?.update(s),
          },
          { ip: null, userAgent: 'sentinel-cli', appId: null },
        );
      } finally {
        progress?.stop();
        source.destroy();
        await report?.close();
        await opened.close();
      }
      process.stdout.write(`${summary(stats, (performance.now() - started) / 1000, reportPath, options.dryRun ?? false)}\n`);
    });
}

async function withFirstRowRead(rows: AsyncGenerator<SourceRow>): Promise<AsyncIterable<SourceRow>> {
  const first = await rows.next();
  return (async function* () {
    if (first.done) return;
    yield first.value;
    yield* rows;
  })();
}

function formatOf(input: string, option: string | undefined): ImportFormat {
  if (option !== undefined) {
    const format = option.toLowerCase();
    if (format === 'csv' || format === 'jsonl') return format;
    throw new CliError(`--format must be csv or jsonl, got "${option}"`);
  }
  const format = formatOfFileName(input);
  if (!format) throw new CliError(`cannot tell the format of ${path.basename(input)} from its name: pass --format csv or --format jsonl`);
  return format;
}

function batchSizeOf(option: string): number {
  const size = /^\d+$/.test(option) ? Number(option) : NaN;
  if (!(size >= 1 && size <= 50_000)) throw new CliError(`--batch-size must be a whole number from 1 to 50000, got "${option}"`);
  return size;
}

/** users.csv -> users.skipped.csv, in the input's folder. */
export function defaultReportPath(input: string): string {
  const { dir, name } = path.parse(input);
  return path.join(dir, `${name}.skipped.csv`);
}

/** The skipped rows as CSV (line,reason,detail), streamed: it may be as long as the input. */
async function openReport(file: string): Promise<{ write: (line: number, skip: Skip) => Promise<void>; close: () => Promise<void> }> {
  const stream = fs.createWriteStream(file, { encoding: 'utf8', mode: 0o600 });
  await once(stream, 'open').catch((error: Error) => {
    throw new CliError(`cannot write the report to ${file}: ${error.message}`);
  });
  stream.write('line,reason,detail\n');
  return {
    write: async (line, skip) => {
      if (!stream.write(`${line},${skip.reason},${csvField(skip.detail)}\n`)) await once(stream, 'drain');
    },
    close: () => new Promise((resolve, reject) => stream.end((error?: Error | null) => (error ? reject(error) : resolve()))),
  };
}

function csvField(text: string): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return /[",]/.test(oneLine) ? `"${oneLine.replace(/"/g, '""')}"` : oneLine;
}

interface Progress {
  update(stats: BulkImportStats): void;
  stop(): void;
}

/**
 * A bar with rate and ETA on a terminal; elsewhere (a log, CI) a plain line every 10
 * seconds, so long imports still show they are alive. Progress is bytes read, so the ETA
 * needs no first pass to count rows.
 */
function startProgress(totalBytes: number, bytesRead: () => number): Progress {
  const started = performance.now();
  let latest: BulkImportStats | undefined;
  const rate = () => (latest ? Math.round(latest.rows / Math.max((performance.now() - started) / 1000, 0.001)) : 0);
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: 'importing {bar} {percentage}% | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(totalBytes, 1), 0, { rows: 0, rate: 0 });
    return {
      update: (stats) => {
        latest = stats;
        bar.update(bytesRead(), { rows: stats.rows.toLocaleString('en'), rate: rate().toLocaleString('en') });
      },
      stop: () => bar.stop(),
    };
  }
  const timer = setInterval(() => {
    if (!latest) return;
    const done = totalBytes > 0 ? bytesRead() / totalBytes : 1;
    const seconds = (performance.now() - started) / 1000;
    const eta = done > 0 ? Math.round((seconds / done) * (1 - done)) : undefined;
    process.stderr.write(
      `sentinel import: ${latest.rows.toLocaleString('en')} rows (${Math.floor(done * 100)}%), ${rate().toLocaleString('en')} rows/s` +
        `${eta === undefined ? '' : `, about ${eta} s left`}\n`,
    );
  }, 10_000);
  timer.unref();
  return { update: (stats) => (latest = stats), stop: () => clearInterval(timer) };
}

function summary(stats: BulkImportStats, seconds: number, reportPath: string, dryRun: boolean): string {
  const n = (value: number) => value.toLocaleString('en');
  const reasons = Object.entries(stats.skippedByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ${n(count)}`)
    .join(', ');
  const skipped = stats.skipped === 0 ? 'skipped none' : `skipped ${n(stats.skipped)} (${reasons}; lines in ${reportPath})`;
  const done = dryRun ? `Dry run: would import ${n(stats.wouldCreate)}` : `Imported ${n(stats.created)}`;
  return `${done} of ${n(stats.rows)} rows, ${skipped}; ${seconds.toFixed(seconds < 10 ? 2 : 1)} s, ${n(Math.round(stats.rows / Math.max(seconds, 0.001)))} rows/s`;
}
