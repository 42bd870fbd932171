/**
 * Where a process spent its CPU, from a V8 .cpuprofile (`node --cpu-prof`, or the bench's
 * own profiler hook): shares of the busy samples (idle excluded) by package or Sentinel file,
 * self and inclusive, and the top functions. `npm run bench -- --profile` profiles the server
 * under each path and prints this; it also reads any profile:
 *
 *   node --import tsx bench/cpu-profile.ts FILE.cpuprofile [--top 20] [--match REGEX]
 *
 * --match lists the inclusive share of every function whose name or place matches, e.g.
 * `--match 'findActiveById|asJson|buildQuery'`.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

export interface Share {
  name: string;
  /** Fraction of the busy samples. */
  share: number;
}

export interface ProfileSummary {
  seconds: number;
  samples: number;
  /** Fraction of all samples in which the main thread was idle (waiting for I/O). */
  idle: number;
  /**
   * Each busy sample charged to the nearest caller on its stack that is a library or
   * Sentinel's own code (not Node or V8 internals): a socket write started by pg counts as
   * the pg driver, one started by Fastify's reply as Fastify. The shares add up to 100%.
   */
  byActivity: Share[];
  /** By package (node_modules), Node subsystem, or Sentinel file: the frame on top of the stack. */
  selfByGroup: Share[];
  /** By the same groups: samples with any frame of the group on the stack. */
  inclusiveByGroup: Share[];
  selfByFunction: Share[];
  inclusiveByFunction: Share[];
}

/** node_modules package, `node:<subsystem>`, `sentinel <file>`, or V8's own entries. */
export function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(v8 builtins)';
  if (url.startsWith('node:'))
    return `node:${
      url
        .slice(5)
        .replace(/^internal\//, '')
        .split('/')[0]
    }`;
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first!.startsWith('@') ? `${first}/${second}` : first!;
  }
  const dist = url.lastIndexOf('/dist/');
  if (dist >= 0) return `sentinel ${url.slice(dist + '/dist/'.length)}`;
  return url.replace(/^file:\/\//, '');
}

function functionOf(frame: CallFrame): string {
  const group = groupOf(frame);
  if (frame.url === '') return frame.functionName || group;
  return `${frame.functionName || '(anonymous)'} [${group}:${frame.lineNumber + 1}]`;
}

const IDLE = new Set(['(idle)', '(root)']);

/** Packages that do one job together, named by the job. */
const ACTIVITIES: [RegExp, string][] = [
  [/^drizzle-orm$/, 'Drizzle (query building, result mapping)'],
  [/^(pg|pg-pool|pg-protocol|pg-types|postgres-(date|array|bytea|interval)|pg-int8)$/, 'pg driver (protocol, parsing, socket writes)'],
  [/^@electric-sql\/pglite$|^wasm:/, 'PGlite (PostgreSQL in WebAssembly)'],
  [/^jose$/, 'JWT (jose, WebCrypto HMAC)'],
  [
    /^(pino|sonic-boom|pino-std-serializers|@pinojs\/.*|quick-format-unescaped|safe-stable-stringify|fast-redact|thread-stream)$/,
    'logging (pino)',
  ],
  [/^fast-json-stringify$/, 'response serialization (fast-json-stringify)'],
  [/^(ajv|ajv-formats|fast-uri|fast-deep-equal)$/, 'validation (ajv)'],
  [/^@fastify\/cors$/, '@fastify/cors'],
  [/^@fastify\/rate-limit$|^toad-cache$/, '@fastify/rate-limit'],
  [
    /^(fastify|find-my-way|avvio|fast-querystring|fast-decode-uri-component|secure-json-parse|light-my-request|process-warning|rfdc|abstract-logging|@fastify\/.*)$/,
    'Fastify (routing, hooks, reply)',
  ],
  [/^argon2$|^@node-rs\/argon2/, 'argon2'],
  [/^sentinel (http|db)\//, 'Sentinel http/ and db/ (guards, hooks, errors)'],
  [/^sentinel modules\//, 'Sentinel modules/ (routes, services, repositories)'],
  [/^sentinel /, 'Sentinel, other files'],
];

function activityOf(group: string): string | undefined {
  for (const [pattern, activity] of ACTIVITIES) if (pattern.test(group)) return activity;
  if (group.startsWith('node:') || group.startsWith('(')) return undefined;
  return group.startsWith('/') ? 'benchmark code' : group;
}

/** For samples no library's code is on: what Node itself was doing. */
function unattributed(leaf: CallFrame, groups: string[]): string {
  if (leaf.functionName === '(garbage collector)') return 'garbage collection';
  if (leaf.functionName === '(program)') return 'V8/native, no JavaScript on the stack';
  if (groups.some((group) => /^node:(_http|net|stream|streams|stream_base_commons)/.test(group)))
    return 'Node HTTP and sockets, no caller on the stack';
  return 'Node internals, other (timers, microtask queue, ...)';
}

export function summarize(profile: CpuProfile, top = 20, match?: RegExp): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const count = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const selfGroup = new Map<string, number>();
  const selfFunction = new Map<string, number>();
  const inclusiveGroup = new Map<string, number>();
  const inclusiveFunction = new Map<string, number>();
  const activity = new Map<string, number>();
  let idle = 0;
  for (const id of profile.samples) {
    const leaf = byId.get(id)!;
    if (IDLE.has(leaf.callFrame.functionName)) {
      idle += 1;
      continue;
    }
    count(selfGroup, groupOf(leaf.callFrame));
    count(selfFunction, functionOf(leaf.callFrame));
    const groups = new Set<string>();
    const functions = new Set<string>();
    let charged: string | undefined;
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      if (node.callFrame.functionName === '(root)') break;
      const group = groupOf(node.callFrame);
      groups.add(group);
      functions.add(functionOf(node.callFrame));
      charged ??= activityOf(group);
    }
    count(activity, charged ?? unattributed(leaf.callFrame, [...groups]));
    // Sentinel as a whole, beside its files: how much of the work its own code started.
    if ([...groups].some((group) => group.startsWith('sentinel '))) groups.add('sentinel (any file)');
    for (const group of groups) count(inclusiveGroup, group);
    for (const fn of functions) count(inclusiveFunction, fn);
  }
  const busy = profile.samples.length - idle;
  const ranked = (map: Map<string, number>, filter?: RegExp) =>
    [...map]
      .filter(([name]) => !filter || filter.test(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, samples]) => ({ name, share: busy ? samples / busy : 0 }));
  return {
    seconds: (profile.endTime - profile.startTime) / 1e6,
    samples: profile.samples.length,
    idle: profile.samples.length ? idle / profile.samples.length : 0,
    byActivity: ranked(activity).filter((entry) => entry.share >= 0.005),
    selfByGroup: ranked(selfGroup),
    inclusiveByGroup: ranked(inclusiveGroup),
    selfByFunction: ranked(selfFunction),
    inclusiveByFunction: ranked(inclusiveFunction, match),
  };
}

export function formatSummary(summary: ProfileSummary, top = 12): string {
  const pct = (share: number) => `${(share * 100).toFixed(1).padStart(5)}%`;
  const list = (title: string, shares: Share[]) =>
    [`  ${title}`, ...shares.slice(0, top).map((entry) => `    ${pct(entry.share)}  ${entry.name}`)].join('\n');
  return [
    `  ${summary.samples} samples over ${summary.seconds.toFixed(1)} s; main thread idle ${pct(summary.idle)} (shares below are of the busy samples)`,
    list('by activity (each sample charged to the nearest library or Sentinel caller):', summary.byActivity),
    list('self, by package / file:', summary.selfByGroup),
    list('inclusive, by package / file:', summary.inclusiveByGroup),
    list('self, by function:', summary.selfByFunction),
    list('inclusive, by function:', summary.inclusiveByFunction),
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '20' }, match: { type: 'string' } },
  });
  const match = values.match ? new RegExp(values.match) : undefined;
  for (const file of positionals) {
    const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
    console.log(`${file}\n${formatSummary(summarize(profile, Number(values.top), match), Number(values.top))}`);
  }
}
