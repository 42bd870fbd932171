import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../config.js';
import { isUuid } from '../http/schemas.js';
import type { AuditEventRow } from '../db/schema.js';
import type { AuditFilter, AuditRepository } from '../modules/audit/audit-repository.js';
import { toAuditEvent } from '../modules/audit/schemas.js';
import { CliError } from './errors.js';
import { openServices } from './services.js';

interface TailOptions {
  lines: number;
  follow?: boolean;
  action?: string[];
  actor?: string;
  target?: string;
  user?: string;
  json?: boolean;
  interval: number;
}

const ACTION = /^[a-z0-9_.]{1,64}\*?$/;
/**
 * Ids are taken when an event is written but seen when its transaction commits, so a
 * slow transaction can surface an id below one already printed. --follow looks back
 * this many ids and prints what it has not printed yet.
 */
const LOOKBACK_IDS = 1000;
const PAGE = 1000;

export function auditCommands(program: Command): void {
  const audit = program.command('audit').description('read the audit log');
  audit
    .command('tail')
    .description('print the most recent audit events, oldest first, one per line')
    .option('-n, --lines <count>', 'how many recent events to print', count, 20)
    .option('-f, --follow', 'keep printing new events as they are recorded (Ctrl-C to stop)')
    .option('--action <action...>', 'only these actions; end one with * for a prefix, e.g. login.* (repeatable)')
    .option('--actor <user_id>', 'only events by this user')
    .option('--target <user_id>', 'only events done to this user')
    .option('--user <user_id>', 'only events by or to this user')
    .option('--json', 'print each event as one JSON object')
    .option('--interval <seconds>', 'how often --follow looks for new events', seconds, 1)
    .action(async (options: TailOptions) => {
      const filter = filterOf(options);
      const opened = await openServices(loadConfig(), 'audit tail');
      try {
        await tail(opened.services.auditEvents, filter, options);
      } finally {
        await opened.close();
      }
    });
}

async function tail(events: AuditRepository, filter: AuditFilter, options: TailOptions): Promise<void> {
  const print = (row: AuditEventRow) => process.stdout.write(`${options.json ? JSON.stringify(toAuditEvent(row)) : lineOf(row)}\n`);
  const recent = (await events.list(filter, options.lines)).reverse();
  recent.forEach(print);
  if (!options.follow) return;

  let stopped = false;
  const stop = new AbortController();
  const onSignal = () => {
    stopped = true;
    stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let lastId = recent.at(-1)?.id ?? 0;
  // What the look-back window held at start counts as printed: -n chose what to show of it.
  const before = await events.since(filter, Math.max(0, lastId - LOOKBACK_IDS), LOOKBACK_IDS);
  const seen = new Set(before.filter((row) => row.id <= lastId).map((row) => row.id));
  while (!stopped) {
    await sleep(options.interval * 1000, undefined, { signal: stop.signal }).catch(() => {});
    for (let from = Math.max(0, lastId - LOOKBACK_IDS); !stopped;) {
      const rows = await events.since(filter, from, PAGE);
      for (const row of rows) {
        if (!seen.has(row.id)) {
          print(row);
          seen.add(row.id);
          lastId = Math.max(lastId, row.id);
        }
        from = row.id;
      }
      if (rows.length < PAGE) break;
    }
    for (const id of seen) if (id <= lastId - LOOKBACK_IDS) seen.delete(id);
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
}

function filterOf(options: TailOptions): AuditFilter {
  for (const name of ['actor', 'target', 'user'] as const) {
    const value = options[name];
    if (value !== undefined && !isUuid(value)) throw new CliError(`--${name} must be a user id (UUID), got "${value}"`);
  }
  for (const action of options.action ?? []) {
    if (!ACTION.test(action)) throw new CliError(`--action must look like login.failed or operator.*, got "${action}"`);
  }
  return { actor: options.actor, target: options.target, user: options.user, actions: options.action };
}

function count(raw: string): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 10_000)
    throw new CliError(`-n must be a whole number from 1 to 10000, got "${raw}"`);
  return Number(raw);
}

function seconds(raw: string): number {
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || value < 0.1 || value > 3600)
    throw new CliError(`--interval must be seconds from 0.1 to 3600, got "${raw}"`);
  return value;
}

/** `time  action  actor=… target=… ip=… [app=…] [detail]`: one line per event, whatever it holds. */
export function lineOf(row: AuditEventRow): string {
  const detail = row.detail && typeof row.detail === 'object' && Object.keys(row.detail).length > 0 ? ` ${JSON.stringify(row.detail)}` : '';
  const fields = [
    row.occurredAt.toISOString(),
    row.action.padEnd(26),
    `actor=${row.actorUserId ?? '-'}`,
    `target=${row.targetUserId ?? '-'}`,
    `ip=${row.ip ?? '-'}`,
    ...(row.appId !== null ? [`app=${row.appId}`] : []),
  ];
  return printable(fields.join(' ') + detail);
}

/**
 * IPs (behind a trusted proxy), user agents and details carry text from clients: escape
 * control and bidirectional-override characters so none can rewrite the operator's terminal.
 */
function printable(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
