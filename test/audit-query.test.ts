import { sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { queryRows } from '../src/db/client.js';
import { unreadableInstant } from '../src/modules/audit/schemas.js';
import type { TestApp } from './helpers/app.js';
import { appWithOperator, type SignedIn } from './helpers/fixtures.js';

// ajv-formats is CommonJS; its default export arrives wrapped under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

let t: TestApp;
let op: SignedIn;
const alice = randomUUID();
const bob = randomUUID();
const carol = randomUUID();
beforeAll(async () => {
  ({ t, operator: op } = await appWithOperator());
  // A known history, one event an hour on 2026-01-01, written as the app writes them.
  const history: [string, string, string | null, string | null, number | null][] = [
    ['00', 'login.succeeded', alice, alice, 1],
    ['01', 'login.failed', null, alice, 1],
    ['02', 'operator.user_updated', bob, alice, null],
    ['03', 'operator.role_granted', bob, carol, null],
    ['04', 'login.succeeded', carol, carol, 2],
    ['05', 'operator_like.thing', carol, bob, null],
  ];
  for (const [hour, action, actor, target, appId] of history) {
    await queryRows(
      t.database.db,
      sql`INSERT INTO audit_events (occurred_at, action, actor_user_id, target_user_id, app_id, ip, detail)
          VALUES (${`2026-01-01T${hour}:00:00Z`}::timestamptz, ${action}, ${actor}, ${target}, ${appId}, '198.51.100.1', ${JSON.stringify({ hour })}::jsonb)`,
    );
  }
});
afterAll(() => t.close());

const audit = (query: string) => t.call('GET', `/operator/audit?${query}`, { token: op.token, apiKey: null });
const hours = async (query: string) => {
  const response = await audit(query);
  expect(response.status, response.text).toBe(200);
  return response.body.events.map((event: { detail: { hour: string } }) => event.detail.hour);
};

describe('GET /operator/audit', () => {
  it('answers events newest first, with every field', async () => {
    const response = await audit(`user=${alice}`);
    expect(response.status).toBe(200);
    expect(response.body.next_cursor).toBeNull();
    expect(response.body.events.map((event: { detail: { hour: string } }) => event.detail.hour)).toEqual(['02', '01', '00']);
    expect(response.body.events[2]).toEqual({
      event_id: expect.any(Number),
      occurred_at: '2026-01-01T00:00:00.000Z',
      action: 'login.succeeded',
      actor_user_id: alice,
      target_user_id: alice,
      app_id: 1,
      ip: '198.51.100.1',
      user_agent: null,
      detail: { hour: '00' },
    });
  });

  it('filters by actor, target, app and time range, combined with AND', async () => {
    expect(await hours(`actor=${bob}`)).toEqual(['03', '02']);
    expect(await hours(`target=${alice}`)).toEqual(['02', '01', '00']);
    expect(await hours(`actor=${bob}&target=${carol}`)).toEqual(['03']);
    expect(await hours(`user=${carol}&app_id=2`)).toEqual(['04']);
    const range = 'from=2026-01-01T01:00:00Z&to=2026-01-01T04:00:00%2B00:00';
    expect(await hours(`${range}&user=${alice}`)).toEqual(['02', '01']);
    expect(await hours(`from=2026-01-01T03:30:00.5Z&to=2026-01-01T06:00:00Z&user=${carol}`)).toEqual(['05', '04']);
  });

  it('filters by one or several actions, and by a prefix ending in *', async () => {
    expect(await hours(`action=login.failed&user=${alice}`)).toEqual(['01']);
    expect(await hours(`action=login.failed&action=operator.role_granted`)).toEqual(['03', '01']);
    expect(await hours(`action=operator.*&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z`)).toEqual(['03', '02']);
    expect(await hours(`action=login*&target=${carol}`)).toEqual(['04']);
    // `_` in a prefix is a plain character, not LIKE's "any one character".
    expect(await hours(`action=operator_*`)).toEqual(['05']);
    expect(await hours(`from=2026-01-01t05:00:00z&action=operator_like.thing`)).toEqual(['05']);
  });

  it('pages through the whole log by cursor without repeats or gaps', async () => {
    const all = await queryRows<{ id: number }>(t.database.db, sql`SELECT id FROM audit_events ORDER BY id DESC`);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const response: { status: number; body: any } = await audit(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.status).toBe(200);
      expect(response.body.events.length).toBeLessThanOrEqual(2);
      seen.push(...response.body.events.map((event: { event_id: number }) => event.event_id));
      cursor = response.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(all.map((row) => Number(row.id)));
  });

  it.each([
    ['a malformed actor', 'actor=bob', 'querystring/actor'],
    ['a malformed target', 'target=1', 'querystring/target'],
    ['a time without a zone', 'from=2026-01-01T00:00:00', 'querystring/from'],
    ['a date that does not exist', 'to=2026-02-30T00:00:00Z', 'querystring/to'],
    ['the year 0000', 'from=0000-01-01T00:00:00Z', 'querystring/from'],
    ['the year 0000 with an offset', `from=${encodeURIComponent('0000-12-31T23:00:00-05:00')}`, 'querystring/from'],
    ['an offset past +15:59', `to=${encodeURIComponent('2026-01-01T00:00:00+16:00')}`, 'querystring/to'],
    ['an offset of -23:59', `to=${encodeURIComponent('2026-01-01T00:00:00-23:59')}`, 'querystring/to'],
    ['an offset of +2359 without a colon', `to=${encodeURIComponent('2026-01-01T00:00:00+2359')}`, 'querystring/to'],
    ['a leap second with a fraction', `to=${encodeURIComponent('2016-12-31T23:59:60.5Z')}`, 'querystring/to'],
    ['a tab between date and time', `from=${encodeURIComponent('2026-01-01\t00:00:00Z')}`, 'querystring/from'],
    ['a no-break space between date and time', `from=${encodeURIComponent('2026-01-01\u00a000:00:00Z')}`, 'querystring/from'],
    ['an action with a wildcard inside', 'action=login%25', 'querystring/action/0'],
    ['an app id of 0', 'app_id=0', 'querystring/app_id'],
    ['a limit over 1000', 'limit=1001', 'querystring/limit'],
    ['a forged cursor', `cursor=${Buffer.from('[1.5]').toString('base64url')}`, 'querystring/cursor'],
    ['a cursor of another list', `cursor=${Buffer.from('["a","b"]').toString('base64url')}`, 'querystring/cursor'],
  ])('answers 400 for %s', async (_name, query, path) => {
    const response = await audit(query);
    expect(response.status).toBe(400);
    expect(response.body.errors.map((error: { path: string }) => error.path)).toContain(path);
  });

  it('ignores a query parameter it does not know (a cache-buster), like every route', async () => {
    const plain = await audit('limit=5');
    const withUnknown = await audit('limit=5&_=1700000000&actress=x');
    expect(withUnknown.status).toBe(200);
    expect(withUnknown.body).toEqual(plain.body);
  });

  // Threat: a value the route accepts but PostgreSQL refuses is a 500 (and an error in the logs) on demand.
  it('takes only date-times PostgreSQL reads: every value that passes validation is one it accepts', async () => {
    const validDateTime = addFormats(new Ajv()).compile({ type: 'string', format: 'date-time' });
    const candidates: string[] = [];
    for (const year of ['0000', '0001', '1970', '9999'])
      for (const date of ['-01-01', '-02-29', '-12-31'])
        for (const separator of ['T', 't', ' ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff'])
          for (const time of [
            '00:00:00',
            '23:59:59',
            '23:59:60',
            '23:59:60.0',
            '23:59:60.5',
            '23:59:60.000001',
            '15:59:60',
            '23:59:59.99999999',
          ])
            for (const zone of [
              'Z',
              'z',
              '+00:00',
              '-00:00',
              '+15:59',
              '-15:59',
              '+16:00',
              '-16:00',
              '+23:59',
              '+2359',
              '+1559',
              '+16',
              '-15',
            ])
              candidates.push(`${year}${date}${separator}${time}${zone}`);
    const accepted = candidates.filter((value) => validDateTime(value) && unreadableInstant(value) === undefined);
    const refusedByAjvOnly = candidates.filter((value) => validDateTime(value) && unreadableInstant(value) !== undefined);
    expect(accepted.length).toBeGreaterThan(500);
    expect(refusedByAjvOnly.length).toBeGreaterThan(500);

    const refusedByPostgres: string[] = [];
    for (const value of accepted) {
      try {
        await queryRows(t.database.db, sql`SELECT ${value}::timestamptz AS at`);
      } catch {
        refusedByPostgres.push(value);
      }
    }
    expect(refusedByPostgres).toEqual([]);
  });

  it('answers 403 to a non-operator and 401 without a token', async () => {
    const user = await t.registerUser();
    const { token } = await t.login(user);
    expect((await t.call('GET', '/operator/audit', { token, apiKey: null })).status).toBe(403);
    expect((await t.call('GET', '/operator/audit', { apiKey: null })).status).toBe(401);
  });
});
