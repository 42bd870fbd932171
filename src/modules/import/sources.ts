import { parse, type CsvError, type InfoRecord, type Options } from 'csv-parse';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { ImportErrors } from './errors.js';
import { FLAT_FIELDS, fromFlatRow } from './items.js';

/** One row of an import file: an item in the register body's shape, or why the line could not be read. */
export type SourceRow = { line: number; item: unknown } | { line: number; malformed: string };

export type ImportFormat = 'csv' | 'jsonl';

export const REQUIRED_COLUMNS = ['username', 'email', 'password_hash', 'hash_algorithm'] as const;
const KNOWN_COLUMNS = new Set<string>(FLAT_FIELDS);

/** The format a file name says: .csv, or .jsonl / .ndjson / .json; undefined for anything else. */
export function formatOfFileName(fileName: string): ImportFormat | undefined {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (/\.(jsonl|ndjson|json)$/.test(lower)) return 'jsonl';
  return undefined;
}

export function readRows(input: Readable, format: ImportFormat): AsyncGenerator<SourceRow> {
  return format === 'csv' ? readCsv(input) : readJsonLines(input);
}

interface CsvRecord {
  line: number;
  endLine: number;
  /** How many records came before this one and it (the header counts). */
  records: number;
  fields: string[];
}

/**
 * CSV with a header row naming the columns (any order; username, email, password_hash and
 * hash_algorithm required). Quoted fields may hold commas, quotes and line breaks; a BOM,
 * CRLF line ends and empty lines are fine. A record with the wrong number of fields, or
 * one the parser cannot read (an unclosed quote on a truncated last line), is answered as
 * malformed with the line it starts on, and reading goes on.
 */
export async function* readCsv(input: Readable): AsyncGenerator<SourceRow> {
  // on_record and 'skip' run in file order inside the parser; records reach us later, through
  // the stream's buffer. Each skip remembers how many records preceded it, to be put back in order.
  let lastLine = 0;
  let lastEmptyLines = 0;
  const startLine = (context: { lines: number; empty_lines: number }) => {
    const line = lastLine + 1 + (context.empty_lines - lastEmptyLines);
    lastLine = context.lines;
    lastEmptyLines = context.empty_lines;
    return line;
  };
  const skips: { after: number; row: SourceRow }[] = [];
  const options: Options<CsvRecord, string[]> = {
    bom: true,
    // A stray quote inside a field stays a character: the row then fails its checks alone,
    // instead of the parser reading on to the next quote and losing the rows between.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_record: (fields: string[], context: InfoRecord): CsvRecord => ({
      line: startLine(context),
      endLine: context.lines,
      records: context.records,
      fields,
    }),
  };
  // The typings tie on_record's result to the record type only when `columns` is set; it is not here.
  const parser = parse(options as unknown as Options);
  parser.on('skip', (error: CsvError & { lines: number; empty_lines: number; records: number }) => {
    const line = startLine(error);
    const reason =
      error.code === 'CSV_QUOTE_NOT_CLOSED'
        ? `a quoted field is never closed, so lines ${line} to ${error.lines} were not read (is the file cut short?)`
        : error.message;
    skips.push({ after: error.records, row: { line, malformed: `not readable as CSV: ${reason}` } });
  });
  input.on('error', (error) => parser.destroy(error));

  let header: string[] | undefined;
  for await (const record of input.pipe(parser) as AsyncIterable<CsvRecord>) {
    while (skips.length > 0 && skips[0]!.after < record.records) yield skips.shift()!.row;
    if (!header) {
      header = checkHeader(record.fields);
      continue;
    }
    if (record.fields.length !== header.length) {
      const what = record.fields.length < header.length ? 'missing' : 'extra';
      const span = record.endLine > record.line ? `; a quoted field runs over lines ${record.line} to ${record.endLine}` : '';
      yield {
        line: record.line,
        malformed: `${record.fields.length} fields where the header has ${header.length} (${what} column${span})`,
      };
      continue;
    }
    const row: Record<string, string> = {};
    // Trimmed here, not by the parser: its trim option turns `"bob"x` into one error per byte.
    header.forEach((column, i) => (row[column] = record.fields[i]!.trim()));
    yield { line: record.line, item: fromFlatRow(row) };
  }
  for (const skip of skips) yield skip.row;
  if (!header) throw ImportErrors.unreadableFile('The CSV file is empty: it needs a header row naming its columns');
}

function checkHeader(fields: string[]): string[] {
  const columns = fields.map((field) => field.trim().toLowerCase());
  const unknown = columns.filter((column) => !KNOWN_COLUMNS.has(column));
  const missing = REQUIRED_COLUMNS.filter((column) => !columns.includes(column));
  const repeated = columns.filter((column, i) => columns.indexOf(column) !== i);
  const problems = [
    ...(missing.length ? [`missing column ${missing.join(', ')}`] : []),
    ...(unknown.length ? [`unknown column ${unknown.map((c) => JSON.stringify(c)).join(', ')}`] : []),
    ...(repeated.length ? [`repeated column ${repeated.join(', ')}`] : []),
  ];
  if (problems.length > 0) {
    throw ImportErrors.unreadableFile(
      `The CSV header (line 1) has ${problems.join('; ')}. Columns: ${FLAT_FIELDS.join(', ')} (${REQUIRED_COLUMNS.join(', ')} required)`,
    );
  }
  return columns;
}

/**
 * JSON Lines: one object per line, either flat (the CSV columns as keys) or the body of
 * POST /auth/register. Empty lines are skipped; a line that is not a JSON object is
 * answered as malformed and reading goes on.
 */
export async function* readJsonLines(input: Readable): AsyncGenerator<SourceRow> {
  const lines = readline.createInterface({ input, crlfDelay: Infinity });
  let line = 0;
  for await (const raw of lines) {
    line += 1;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
      yield { line, malformed: `not valid JSON${position ? ` (at character ${position})` : ''}` };
      continue;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      yield { line, malformed: 'not a JSON object' };
      continue;
    }
    yield { line, item: fromFlatRow(value as Record<string, unknown>) };
  }
}
