import type { FastifyInstance, FastifyServerOptions, InjectOptions } from 'fastify';
import { randomBytes } from 'node:crypto';
import { buildApp, buildAppWithServices, type AppDeps } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { openDatabase, type Database } from '../../src/db/client.js';
import { sha256Hex } from '../../src/crypto/secrets.js';
import type { InstanceSecrets } from '../../src/modules/system/instance-secrets.js';
import type { Services } from '../../src/services.js';
import { createTestDatabase, testEngine } from './database.js';

export const TEST_API_KEY = 'sk_test_bootstrap_key_0123456789abcdef';
export { testEngine };

export interface TestClock {
  (): Date;
  advance(seconds: number): void;
}

export interface TestResponse<T = any> {
  status: number;
  body: T;
  headers: Record<string, unknown>;
  text: string;
}

export interface CallOptions {
  body?: unknown;
  token?: string;
  apiKey?: string | null;
  headers?: Record<string, string>;
  /** Raw payload, sent as is (for malformed JSON and wrong content types). */
  payload?: string | Buffer;
}

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  /** This test's own PostgreSQL database (undefined on PGlite), for a second app on the same data. */
  databaseUrl: string | undefined;
  config: Config;
  /** The secrets the app runs with; a second process on the same data needs the same ones. */
  secrets: InstanceSecrets;
  clock: TestClock;
  /** The same services the app runs on, for seeding data the API cannot create (operators). */
  services: Services;
  call<T = any>(method: InjectOptions['method'], url: string, options?: CallOptions): Promise<TestResponse<T>>;
  /** Registers a user through the API (a fresh unique one unless told otherwise). */
  registerUser(
    overrides?: Partial<{ username: string; email: string; password: string; first_name: string; last_name: string }>,
  ): Promise<TestUser>;
  createOperator(): Promise<TestUser>;
  /** Logs in and returns the Session body. */
  login(user: Pick<TestUser, 'email' | 'password'>): Promise<{ token: string; refresh_token: string; user: any; expires_in: number }>;
  close(): Promise<void>;
}

export function testClock(): TestClock {
  let offsetMs = 0;
  const clock = (() => new Date(Date.now() + offsetMs)) as TestClock;
  clock.advance = (seconds) => {
    offsetMs += seconds * 1000;
  };
  return clock;
}

let counter = 0;
export function unique(prefix: string): string {
  counter += 1;
  return `${prefix}${counter}${randomBytes(3).toString('hex')}`;
}

export async function createTestApp(
  overrides: { config?: Partial<Config>; env?: Record<string, string>; logger?: FastifyServerOptions['logger'] } = {},
): Promise<TestApp> {
  const testDb = await createTestDatabase();
  const config: Config = {
    ...loadConfig({
      SENTINEL_API_KEY: TEST_API_KEY,
      SENTINEL_JWT_SECRET: randomBytes(32).toString('hex'),
      // Tests log in many times from one address; test/rate-limit.test.ts turns the limit on.
      SENTINEL_RATE_LIMIT_MAX: '0',
      ...overrides.env,
    }),
    // Cheap hashing keeps the suite fast; production uses the OWASP parameters (19 MiB, t=2).
    argon2: { memoryKib: 1024, iterations: 1, parallelism: 1 },
    ...overrides.config,
  };
  const clock = testClock();
  const secrets: InstanceSecrets = {
    jwtSecret: config.jwtSecret!,
    bootstrapApiKeyHash: sha256Hex(config.apiKey!),
    encryptionKey: config.encryptionKey ?? randomBytes(32).toString('hex'),
  };
  const { app, services } = await buildAppWithServices({
    config,
    database: testDb.database,
    secrets,
    clock,
    logger: overrides.logger ?? false,
    revocationPollMs: 200,
  });
  await app.ready();

  const call: TestApp['call'] = async (method, url, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.apiKey !== null) headers['x-api-key'] = options.apiKey ?? TEST_API_KEY;
    let payload = options.payload;
    if (options.body !== undefined) {
      payload = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    let body: any;
    try {
      body = response.body ? JSON.parse(response.body) : undefined;
    } catch {
      // Not JSON (the docs page): callers read `text`.
    }
    return { status: response.statusCode, body, headers: response.headers, text: response.body };
  };

  const registerUser: TestApp['registerUser'] = async (fields = {}) => {
    const username = fields.username ?? unique('user');
    const email = fields.email ?? `${username}@example.com`;
    const password = fields.password ?? 'correct horse battery';
    const response = await call('POST', '/auth/register', {
      body: { user_info: { username, email, first_name: fields.first_name ?? 'Test', last_name: fields.last_name ?? 'User' }, password },
    });
    if (response.status !== 201) throw new Error(`registerUser failed: ${response.status} ${response.text}`);
    return { id: response.body.user.user_id, username, email, password };
  };

  const createOperator: TestApp['createOperator'] = async () => {
    const username = unique('op');
    const email = `${username}@example.com`;
    const password = 'operator password';
    const user = await services.accounts.register(
      { user_info: { username, email }, password },
      { ip: null, userAgent: 'test', appId: null },
      { operator: true },
    );
    return { id: user.id, username, email, password };
  };

  const login: TestApp['login'] = async (user) => {
    const response = await call('POST', '/auth/login', { body: { email: user.email, password: user.password } });
    if (response.status !== 200) throw new Error(`login failed: ${response.status} ${response.text}`);
    return response.body;
  };

  return {
    app,
    database: testDb.database,
    databaseUrl: testDb.url,
    config,
    secrets,
    clock,
    services,
    call,
    registerUser,
    createOperator,
    login,
    close: async () => {
      await app.close();
      await testDb.drop();
    },
  };
}

/**
 * A second app on `t`'s PostgreSQL database, with its own connections, as a second
 * `sentinel serve` process would be.
 */
export async function anotherProcess(
  t: TestApp,
  deps: Pick<AppDeps, 'revocationPollMs'> = {},
): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const database = await openDatabase({ url: t.databaseUrl });
  const app = await buildApp({
    config: t.config,
    database,
    secrets: t.secrets,
    logger: false,
    ...deps,
  });
  await app.ready();
  return {
    app,
    close: async () => {
      await app.close();
      await database.close();
    },
  };
}
