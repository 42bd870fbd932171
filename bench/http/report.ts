import type { ProfileSummary } from '../cpu-profile.js';

export type Engine = 'postgres' | 'pglite';

export interface Measurement {
  /** A path (`verify`, `verify@warn`, ...) or a ceiling (`bare`, `direct-query`, `argon2`). */
  id: string;
  engine: Engine;
  /** Successful (2xx) answers per second; for argon2, hashes per second. */
  perSecond: number;
  p50Ms?: number;
  p99Ms?: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  /** CPU per successful request, in microseconds, by process (all threads). */
  cpuMicrosPerRequest: { server?: number; database?: number; loadGenerator?: number };
  /** A ceiling: its rate in the half measured before its paths and in the half after (runs before 2026-12-01 have none). */
  halves?: [number, number];
  /** With --profile: where the server's main thread spent its time during the run. */
  profile?: ProfileSummary;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  node: string;
  /** The Node flags of the server and the ceilings (older runs: none recorded). */
  nodeFlags?: string;
  postgres?: string;
  pglite: string;
  fastify: string;
  /** 1-minute load average when the run started and when it ended. */
  loadAverage: { start: number[]; end?: number[] };
}

export interface RunResults {
  startedAt: string;
  command: string;
  machine: Machine;
  options: {
    engines: Engine[];
    duration: number;
    warmup: number;
    connections: number;
    users: number;
    tokenUsers: number;
    profile: boolean;
  };
  measurements: Measurement[];
}

interface PathSpec {
  id: string;
  label: string;
  ceiling?: string;
  /** Target ratio to the ceiling, on PostgreSQL. */
  target?: number;
  /** Target in answers per second, on PostgreSQL. */
  perSecondTarget?: number;
}

export const PATHS: PathSpec[] = [
  { id: 'verify', label: 'GET /auth/verify', ceiling: 'bare', target: 0.7 },
  { id: 'verify@warn', label: '  same, log level warn', ceiling: 'bare' },
  { id: 'profile-list', label: 'GET /user/profiles/:appid', ceiling: 'direct-query', target: 0.7 },
  { id: 'profile-list@warn', label: '  same, log level warn', ceiling: 'direct-query' },
  // Writes have no ceiling of their own in the issue: their CPU split below says what bounds them.
  { id: 'profile-patch', label: 'PATCH /user/profiles/:appid/:id' },
  { id: 'profile-create', label: 'POST /user/profiles/create' },
  { id: 'login', label: 'POST /auth/login', ceiling: 'argon2', target: 0.8 },
  { id: 'login@lockout', label: '  same, lockout on (default)', ceiling: 'argon2' },
  { id: 'refresh', label: 'POST /auth/refresh (rotating)', perSecondTarget: 1000 },
];

export const CEILINGS: Record<string, { label: (engine: Engine) => string }> = {
  bare: { label: () => 'bare Fastify route, fixed JSON' },
  'direct-query': { label: (engine) => `Fastify + ${engine === 'postgres' ? 'pg' : 'PGlite'}, same list query + schema` },
  argon2: { label: () => 'argon2id hashes/s, 19 MiB t=2 p=1' },
};

const ENGINE_NAMES: Record<Engine, string> = { postgres: 'PostgreSQL', pglite: 'PGlite' };

const int = (value: number | undefined) => (value === undefined ? '-' : Math.round(value).toLocaleString('en'));
const perSecond = (value: number) => (value >= 100 ? int(value) : value.toFixed(1));
const ms = (value: number | undefined) => (value === undefined ? '-' : `${value} ms`);

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  '))
    .join('\n');
}

function ratioOf(results: RunResults, engine: Engine, spec: PathSpec): number | undefined {
  const find = (id: string) => results.measurements.find((m) => m.engine === engine && m.id === id);
  const path = find(spec.id);
  const ceiling = spec.ceiling ? find(spec.ceiling) : undefined;
  return path && ceiling ? path.perSecond / ceiling.perSecond : undefined;
}

function verdict(engine: Engine, spec: PathSpec, measured: Measurement, ratio: number | undefined): string {
  if (engine !== 'postgres') return '';
  if (spec.target !== undefined && ratio !== undefined) return `>= ${spec.target.toFixed(2)} ${ratio >= spec.target ? 'met' : 'MISSED'}`;
  if (spec.perSecondTarget !== undefined)
    return `>= ${int(spec.perSecondTarget)}/s ${measured.perSecond >= spec.perSecondTarget ? 'met' : 'MISSED'}`;
  return '';
}

/** The results as tables: paths with their ceilings and ratios, then the CPU each request cost. */
export function formatResults(results: RunResults): string {
  const { machine, options } = results;
  const out: string[] = [
    `${options.users.toLocaleString('en')} users (${options.tokenUsers.toLocaleString('en')} with tokens), ${options.connections} connections, ` +
      `${options.duration} s per path after ${options.warmup} s of warm-up; ${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}${machine.nodeFlags ? ` ${machine.nodeFlags}` : ''}; ` +
      `load average ${machine.loadAverage.start[0]!.toFixed(2)} at start${machine.loadAverage.end ? `, ${machine.loadAverage.end[0]!.toFixed(2)} at end` : ''}`,
  ];
  for (const engine of options.engines) {
    const rows: string[][] = [
      ['path', 'req/s', 'per core', 'p50', 'p99', 'non-2xx', 'ceiling', 'ceiling/s (before / after)', 'ratio', 'target (PostgreSQL)'],
    ];
    const cpuRows: string[][] = [['path', 'server', 'database', 'load generator']];
    for (const spec of PATHS) {
      const measured = results.measurements.find((m) => m.engine === engine && m.id === spec.id);
      if (!measured) continue;
      const ceiling = spec.ceiling ? results.measurements.find((m) => m.engine === engine && m.id === spec.ceiling) : undefined;
      const ratio = ratioOf(results, engine, spec);
      rows.push([
        spec.label,
        perSecond(measured.perSecond),
        perSecond(measured.perSecond / machine.cpus),
        ms(measured.p50Ms),
        ms(measured.p99Ms),
        int(measured.non2xx + measured.errors + measured.timeouts),
        spec.ceiling ? CEILINGS[spec.ceiling]!.label(engine) : '',
        ceiling ? `${perSecond(ceiling.perSecond)}${ceiling.halves ? ` (${ceiling.halves.map(perSecond).join(' / ')})` : ''}` : '',
        ratio === undefined ? '' : ratio.toFixed(3),
        verdict(engine, spec, measured, ratio),
      ]);
      cpuRows.push([spec.label, ...cpuCells(measured)]);
    }
    for (const id of Object.keys(CEILINGS)) {
      const ceiling = results.measurements.find((m) => m.engine === engine && m.id === id);
      if (ceiling) cpuRows.push([`ceiling: ${CEILINGS[id]!.label(engine)}`, ...cpuCells(ceiling)]);
    }
    if (rows.length === 1) continue;
    out.push('', `${ENGINE_NAMES[engine]}${engine === 'postgres' && machine.postgres ? ` ${machine.postgres}` : ''}`, table(rows));
    out.push('', `${ENGINE_NAMES[engine]}: CPU per successful request, microseconds (all threads of each process)`, table(cpuRows));
  }
  return out.join('\n');
}

function cpuCells(measured: Measurement): string[] {
  const { server, database, loadGenerator } = measured.cpuMicrosPerRequest;
  const embedded = measured.engine === 'pglite' && measured.id !== 'bare' && measured.id !== 'argon2';
  return [int(server), database === undefined ? (embedded ? 'in server' : '-') : int(database), int(loadGenerator)];
}

/** Two runs side by side: answers per second, and ratios to each run's own ceilings. */
export function formatComparison(before: RunResults, after: RunResults): string {
  const out = [`before: ${before.startedAt} (${before.command})`, `after:  ${after.startedAt} (${after.command})`];
  for (const engine of ['postgres', 'pglite'] as Engine[]) {
    const rows: string[][] = [['path', 'before req/s', 'after req/s', 'change', 'before ratio', 'after ratio', 'before p99', 'after p99']];
    const ids = [...PATHS.map((spec) => spec.id), ...Object.keys(CEILINGS)];
    for (const id of ids) {
      const old = before.measurements.find((m) => m.engine === engine && m.id === id);
      const now = after.measurements.find((m) => m.engine === engine && m.id === id);
      if (!old && !now) continue;
      const spec = PATHS.find((candidate) => candidate.id === id);
      const label = spec?.label ?? `ceiling: ${CEILINGS[id]!.label(engine)}`;
      const change =
        old && now ? `${now.perSecond >= old.perSecond ? '+' : ''}${((now.perSecond / old.perSecond - 1) * 100).toFixed(0)}%` : '';
      const ratio = (results: RunResults) => (spec ? ratioOf(results, engine, spec)?.toFixed(3) : undefined) ?? '';
      rows.push([
        label,
        old ? perSecond(old.perSecond) : '',
        now ? perSecond(now.perSecond) : '',
        change,
        ratio(before),
        ratio(after),
        ms(old?.p99Ms),
        ms(now?.p99Ms),
      ]);
    }
    if (rows.length > 1) out.push('', ENGINE_NAMES[engine], table(rows));
  }
  return out.join('\n');
}
