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
  /**
   * Runs before the evening of 2026-12-01: a ceiling's rate in the half measured before its
   * paths and in the half after. Since then each path has a ceiling of its own (`bare@verify`),
   * measured in turns with it, and both record `slices`.
   */
  halves?: [number, number];
  /** The rate of each measured slice, in order (a path and its ceiling took turns). */
  slices?: number[];
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

/** The path's own ceiling (`bare@verify`), or, in runs before ceilings were per path, the shared one (`bare`). */
function ceilingOf(results: RunResults, engine: Engine, spec: PathSpec): Measurement | undefined {
  if (!spec.ceiling) return undefined;
  const find = (id: string) => results.measurements.find((m) => m.engine === engine && m.id === id);
  return find(`${spec.ceiling}@${spec.id}`) ?? find(spec.ceiling);
}

function ratioOf(results: RunResults, engine: Engine, spec: PathSpec): number | undefined {
  const path = results.measurements.find((m) => m.engine === engine && m.id === spec.id);
  const ceiling = ceilingOf(results, engine, spec);
  return path && ceiling ? path.perSecond / ceiling.perSecond : undefined;
}

/** The ratio of each pair of slices a path and its ceiling took turns in, lowest and highest. */
function sliceRatios(path: Measurement, ceiling: Measurement | undefined): string {
  if (!path.slices || !ceiling?.slices || path.slices.length !== ceiling.slices.length) return '';
  const ratios = path.slices.map((rate, i) => rate / ceiling.slices![i]!);
  return ` (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`;
}

function ceilingRate(ceiling: Measurement): string {
  if (ceiling.slices)
    return `${perSecond(ceiling.perSecond)} (${perSecond(Math.min(...ceiling.slices))}-${perSecond(Math.max(...ceiling.slices))})`;
  return `${perSecond(ceiling.perSecond)}${ceiling.halves ? ` (${ceiling.halves.map(perSecond).join(' / ')})` : ''}`;
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
      ['path', 'req/s', 'per core', 'p50', 'p99', 'non-2xx', 'ceiling', 'ceiling/s (slices)', 'ratio (slice pairs)', 'target (PostgreSQL)'],
    ];
    const cpuRows: string[][] = [['path', 'server', 'database', 'load generator']];
    for (const spec of PATHS) {
      const measured = results.measurements.find((m) => m.engine === engine && m.id === spec.id);
      if (!measured) continue;
      const ceiling = ceilingOf(results, engine, spec);
      const ratio = ratioOf(results, engine, spec);
      rows.push([
        spec.label,
        perSecond(measured.perSecond),
        perSecond(measured.perSecond / machine.cpus),
        ms(measured.p50Ms),
        ms(measured.p99Ms),
        int(measured.non2xx + measured.errors + measured.timeouts),
        spec.ceiling ? CEILINGS[spec.ceiling]!.label(engine) : '',
        ceiling ? ceilingRate(ceiling) : '',
        ratio === undefined ? '' : `${ratio.toFixed(3)}${sliceRatios(measured, ceiling)}`,
        verdict(engine, spec, measured, ratio),
      ]);
      cpuRows.push([spec.label, ...cpuCells(measured)]);
    }
    for (const ceiling of results.measurements.filter((m) => m.engine === engine && ceilingKind(m.id))) {
      const [, beside] = ceiling.id.split('@');
      cpuRows.push([
        `ceiling: ${CEILINGS[ceilingKind(ceiling.id)!]!.label(engine)}${beside ? `, beside ${beside}` : ''}`,
        ...cpuCells(ceiling),
      ]);
    }
    if (rows.length === 1) continue;
    out.push('', `${ENGINE_NAMES[engine]}${engine === 'postgres' && machine.postgres ? ` ${machine.postgres}` : ''}`, table(rows));
    out.push('', `${ENGINE_NAMES[engine]}: CPU per successful request, microseconds (all threads of each process)`, table(cpuRows));
  }
  return out.join('\n');
}

/** `bare` for `bare` and `bare@verify`; undefined for a path. */
function ceilingKind(id: string): string | undefined {
  const kind = id.split('@')[0]!;
  return kind in CEILINGS ? kind : undefined;
}

function cpuCells(measured: Measurement): string[] {
  const { server, database, loadGenerator } = measured.cpuMicrosPerRequest;
  const embedded = measured.engine === 'pglite' && ceilingKind(measured.id) !== 'bare' && ceilingKind(measured.id) !== 'argon2';
  return [int(server), database === undefined ? (embedded ? 'in server' : '-') : int(database), int(loadGenerator)];
}

/** Two runs side by side: answers per second, and ratios to each run's own ceilings. */
export function formatComparison(before: RunResults, after: RunResults): string {
  const out = [`before: ${before.startedAt} (${before.command})`, `after:  ${after.startedAt} (${after.command})`];
  for (const engine of ['postgres', 'pglite'] as Engine[]) {
    const rows: string[][] = [['path', 'before req/s', 'after req/s', 'change', 'before ratio', 'after ratio', 'before p99', 'after p99']];
    const row = (label: string, old: Measurement | undefined, now: Measurement | undefined, ratio: (results: RunResults) => string) => {
      if (!old && !now) return;
      const change =
        old && now ? `${now.perSecond >= old.perSecond ? '+' : ''}${((now.perSecond / old.perSecond - 1) * 100).toFixed(0)}%` : '';
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
    };
    for (const spec of PATHS) {
      const find = (results: RunResults) => results.measurements.find((m) => m.engine === engine && m.id === spec.id);
      row(spec.label, find(before), find(after), (results) => ratioOf(results, engine, spec)?.toFixed(3) ?? '');
      if (spec.ceiling)
        row(
          `  its ceiling: ${CEILINGS[spec.ceiling]!.label(engine)}`,
          ceilingOf(before, engine, spec),
          ceilingOf(after, engine, spec),
          () => '',
        );
    }
    if (rows.length > 1) out.push('', ENGINE_NAMES[engine], table(rows));
  }
  return out.join('\n');
}
