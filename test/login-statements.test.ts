import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../src/crypto/secrets.js';
import { auditEvents, sessions as sessionRows, webhookDeliveries } from '../src/db/schema.js';
import { SessionsRepository } from '../src/modules/accounts/sessions-repository.js';
import { UsersRepository } from '../src/modules/accounts/users-repository.js';
import { AuditLog } from '../src/modules/audit/audit-log.js';
import type { TestApp, TestUser } from './helpers/app.js';
import { registerApp } from './helpers/apps.js';
import { createTestDatabase, type TestDatabase } from './helpers/database.js';
import { codeAt, enrollTotp } from './helpers/totp.js';
import { createWebhookTestApp, subscribe } from './helpers/webhooks.js';

/*
 * A login's three statements run straight through the driver (Database.prepared), outside
 * Drizzle; in a transaction they still go through Drizzle. Both must read and write the same
 * rows, with the same keys and types (Dates, not strings), on both engines.
 */
let testDb: TestDatabase;
let users: UsersRepository;
let sessions: SessionsRepository;
let audit: AuditLog;
beforeAll(async () => {
  testDb = await createTestDatabase();
  const { db } = testDb.database;
  users = new UsersRepository(db, testDb.database);
  sessions = new SessionsRepository(db, testDb.database);
  audit = new AuditLog(db, testDb.database);
});
afterAll(() => testDb.drop());

const newUser = (name: string) => ({
  username: name,
  email: `${name}@Example.com`,
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
});

describe('the login lookup', () => {
  it('finds the account by email or username in any letter case, as the row Drizzle reads', async () => {
    const stored = await users.insert(newUser('Casey'));
    const byEmail = await users.resolveLogin({ email: 'CASEY@example.COM' });
    const byName = await users.resolveLogin({ username: 'casey' });
    expect(byEmail).toEqual({ user: await users.findById(stored.id), canonical: 'casey@example.com' });
    expect(byName).toEqual({ user: stored, canonical: 'casey' });
    expect(byEmail.user!.createdAt).toBeInstanceOf(Date);
    expect(byEmail.user!.deletedAt).toBeNull();
  });

  it('answers no account, and the name as compared, for an unknown or deleted account', async () => {
    expect(await users.resolveLogin({ email: 'Nobody@Example.com' })).toEqual({ user: undefined, canonical: 'nobody@example.com' });
    const gone = await users.insert(newUser('gone'));
    await users.softDelete(gone.id);
    expect((await users.resolveLogin({ username: 'GONE' })).user).toBeUndefined();
    expect(await users.activeEmailHolder('GONE@example.com')).toBeUndefined();
    expect((await users.activeEmailHolder('CASEY@example.com'))?.username).toBe('Casey');
  });
});

describe('a new session', () => {
  it('is stored and answered alike through the driver and in a transaction, with its login event in the same statement', async () => {
    const user = await users.insert(newUser('sessions'));
    const values = {
      userId: user.id,
      appId: null,
      refreshExpiresAt: new Date('2030-01-02T03:04:05.678Z'),
      userAgent: 'test agent',
      ip: '192.0.2.1',
    };
    const direct = await sessions.insertWithLoginEvent({ ...values, refreshTokenHash: 'a'.repeat(64) }, { second_factor: 'totp' });
    const inTransaction = await testDb.database.db.transaction((tx) =>
      sessions.insert({ ...values, refreshTokenHash: 'b'.repeat(64) }, tx),
    );
    expect(direct).toEqual(await sessions.findById(direct.id));
    expect(direct).toEqual({ ...inTransaction, id: direct.id, refreshTokenHash: 'a'.repeat(64), createdAt: direct.createdAt });
    expect(direct.refreshExpiresAt).toEqual(values.refreshExpiresAt);
    expect(direct.createdAt).toBeInstanceOf(Date);

    const events = await testDb.database.db.select().from(auditEvents).where(eq(auditEvents.actorUserId, user.id));
    expect(events.map(({ id: _id, occurredAt: _at, ...event }) => event)).toEqual([
      {
        action: 'login.succeeded',
        actorUserId: user.id,
        targetUserId: user.id,
        appId: null,
        ip: '192.0.2.1',
        userAgent: 'test agent',
        detail: { second_factor: 'totp', session_id: direct.id },
      },
    ]);
  });
});

describe('an audit event', () => {
  it('is stored alike through the driver and in a transaction, detail as JSON', async () => {
    const user = await users.insert(newUser('audited'));
    const event = {
      action: 'login.failed',
      actorUserId: user.id,
      targetUserId: user.id,
      detail: { session_id: 'x', n: [1, { a: null }] },
    } as const;
    const context = { ip: '192.0.2.7', userAgent: 'agent', appId: null };
    await audit.record(event, context);
    await testDb.database.db.transaction((tx) => audit.record(event, context, tx));
    const rows = await testDb.database.db.select().from(auditEvents).where(eq(auditEvents.actorUserId, user.id)).orderBy(auditEvents.id);
    expect(rows).toHaveLength(2);
    const [direct, transactional] = rows.map(({ id: _id, occurredAt: _at, ...row }) => row);
    expect(direct).toEqual(transactional);
    expect(direct).toEqual({
      action: 'login.failed',
      actorUserId: user.id,
      targetUserId: user.id,
      appId: null,
      ip: '192.0.2.7',
      userAgent: 'agent',
      detail: event.detail,
    });
  });
});

/*
 * With a webhook subscribed to session.created, a login writes its session, its event and the
 * outbox row in one Drizzle transaction instead of the one statement above: the event it
 * records must be the same, field for field.
 */
describe('a login a webhook hears of', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Behind a proxy on loopback, so the forwarded address is the one recorded.
    t = await createWebhookTestApp({}, { trustProxy: ['loopback'] });
  });
  afterAll(() => t.close());

  it('records the same login.succeeded event in its transaction as the one-statement login, with a password or a TOTP code', async () => {
    const { db } = t.database;
    const operator = (await t.login(await t.createOperator())).token;
    const app = await registerApp(t, operator);
    const headers = { 'x-forwarded-for': '192.0.2.1', 'user-agent': 'test agent' };
    const [plain, heard, plainTotp, heardTotp] = [
      await t.registerUser(),
      await t.registerUser(),
      await t.registerUser(),
      await t.registerUser(),
    ];
    const secrets = new Map<TestUser, string>([
      [plainTotp, (await enrollTotp(t, plainTotp)).secret],
      [heardTotp, (await enrollTotp(t, heardTotp)).secret],
    ]);

    /** Logs `user` in through the app (answering the TOTP challenge if it has one); answers its session's id and its one event, ids aside. */
    const logIn = async (user: TestUser) => {
      let response = await t.call('POST', '/auth/login', {
        apiKey: app.apiKey,
        headers,
        body: { email: user.email, password: user.password },
      });
      const secret = secrets.get(user);
      if (secret) {
        const body = { otp_token: response.body.otp_token, code: codeAt(secret, t.clock()) };
        response = await t.call('POST', '/auth/verify-otp', { apiKey: app.apiKey, headers, body });
      }
      expect(response.status).toBe(200);
      const [session] = await db
        .select()
        .from(sessionRows)
        .where(eq(sessionRows.refreshTokenHash, sha256Hex(response.body.refresh_token)));
      const events = await db
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.targetUserId, user.id), sql`${auditEvents.detail}->>'session_id' = ${session!.id}`));
      expect(events).toHaveLength(1);
      const { id: _id, occurredAt: _at, actorUserId, targetUserId, detail, ...event } = events[0]!;
      expect([actorUserId, targetUserId, (detail as { session_id: unknown }).session_id]).toEqual([user.id, user.id, session!.id]);
      return { sessionId: session!.id, event: { ...event, detail: { ...(detail as object), session_id: 'its session' } } };
    };

    expect(t.services.webhooks.outbox.mayReceive('session.created')).toBe(false);
    const [byStatement, byStatementTotp] = [await logIn(plain), await logIn(plainTotp)];
    await subscribe(t, operator, { url: 'http://127.0.0.1:9/', events: ['session.created'] });
    expect(t.services.webhooks.outbox.mayReceive('session.created')).toBe(true);
    const [inTransaction, inTransactionTotp] = [await logIn(heard), await logIn(heardTotp)];

    const expected = { action: 'login.succeeded', appId: app.id, ip: '192.0.2.1', userAgent: 'test agent' };
    expect(byStatement.event).toEqual({ ...expected, detail: { session_id: 'its session' } });
    expect(byStatementTotp.event).toEqual({ ...expected, detail: { second_factor: 'totp', session_id: 'its session' } });
    expect(inTransaction.event).toEqual(byStatement.event);
    expect(inTransactionTotp.event).toEqual(byStatementTotp.event);
    // The webhook's logins took the transaction: each stored exactly one session.created.
    const outbox = await db
      .select({ payload: webhookDeliveries.payload })
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.eventType, 'session.created'))
      .orderBy(webhookDeliveries.id);
    expect(outbox.map(({ payload }) => JSON.parse(payload).data.session_id)).toEqual([
      inTransaction.sessionId,
      inTransactionTotp.sessionId,
    ]);
  });
});
