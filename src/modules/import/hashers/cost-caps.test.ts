import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../config.js';
import { AppError } from '../../../http/errors.js';
import { hashFixtures } from '../../../../test/helpers/hash-fixtures.js';
import { CheckQueue } from './check-queue.js';
import { ImportedHashChecks, type HeldHashes } from './imported-hashes.js';
import { costCapsOf, passwordImporter } from './index.js';

const fixture = hashFixtures.find((f) => f.algorithm === 'bcrypt')!;
/** The fixture's salt and digest under another cost: parses like any bcrypt hash. */
const bcryptAt = (cost: number) => `$2b$${String(cost).padStart(2, '0')}$${fixture.password_hash.slice(7)}`;
const caps = costCapsOf(loadConfig({}));

describe('bcrypt cost cap at import', () => {
  // Threat: an imported cost-30 hash makes every login to it hold a thread for hours.
  it('refuses a cost above SENTINEL_IMPORT_BCRYPT_MAX_COST (default 14), naming the cap and the variable', () => {
    const importer = passwordImporter(caps);
    expect(importer.parse({ passwordHash: bcryptAt(14), hashAlgorithm: 'bcrypt' }).hash).toBe(bcryptAt(14));
    let error: unknown;
    try {
      importer.parse({ passwordHash: bcryptAt(15), hashAlgorithm: 'bcrypt' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'invalid_password_hash', status: 400 });
    expect((error as AppError).detail).toContain('cost 15');
    expect((error as AppError).detail).toContain('of cost 14 at most');
    expect((error as AppError).detail).toContain('SENTINEL_IMPORT_BCRYPT_MAX_COST');
    expect((error as AppError).errors).toEqual([{ path: '/password_hash', message: 'has a bcrypt cost above 14' }]);
  });

  it('follows the configured cap, within 4 to 31', () => {
    const importer = passwordImporter(costCapsOf(loadConfig({ SENTINEL_IMPORT_BCRYPT_MAX_COST: '6' })));
    expect(() => importer.parse({ passwordHash: bcryptAt(6), hashAlgorithm: 'bcrypt' })).not.toThrow();
    expect(() => importer.parse({ passwordHash: bcryptAt(7), hashAlgorithm: 'bcrypt' })).toThrow(/cost 7/);
    expect(() => loadConfig({ SENTINEL_IMPORT_BCRYPT_MAX_COST: '3' })).toThrow(/SENTINEL_IMPORT_BCRYPT_MAX_COST/);
    expect(() => loadConfig({ SENTINEL_IMPORT_BCRYPT_MAX_COST: '32' })).toThrow(/SENTINEL_IMPORT_BCRYPT_MAX_COST/);
  });
});

describe('ImportedHashChecks', () => {
  const checks = (
    warnings: { message: string; fields: Record<string, unknown> }[],
    countHeld: () => Promise<HeldHashes[]> = async () => [],
  ) =>
    new ImportedHashChecks({
      caps,
      queue: new CheckQueue({ concurrency: 1, maxWaiting: 1, waitTimeoutMs: 1000 }),
      countHeld,
      warn: (message, fields) => warnings.push({ message, fields }),
    });

  // Threat: a cost-31 hash stored before the cap existed, checked at every login attempt.
  it('never checks a stored hash over the cap, and logs the account by id only', async () => {
    const warnings: { message: string; fields: Record<string, unknown> }[] = [];
    const stored = { hash: bcryptAt(31), algorithm: 'bcrypt', salt: null, saltPosition: null, userId: 'u-1' };
    const started = performance.now();
    expect(await checks(warnings).verify(fixture.password, stored)).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.fields).toEqual({ user_id: 'u-1' });
    expect(warnings[0]!.message).toContain('SENTINEL_IMPORT_BCRYPT_MAX_COST');
    expect(JSON.stringify(warnings)).not.toContain(stored.hash.slice(7));
  });

  it('classes hashes by cost, and leaves classes over the cap out of what the database holds', async () => {
    const warnings: { message: string; fields: Record<string, unknown> }[] = [];
    const imported = checks(warnings, async () => [
      { algorithm: 'bcrypt', cost: 10, accounts: 3 },
      { algorithm: 'bcrypt', cost: 20, accounts: 2 },
      { algorithm: 'md5', cost: null, accounts: 1 },
    ]);
    expect(imported.costClass({ hash: bcryptAt(12), algorithm: 'bcrypt', salt: null, saltPosition: null })).toBe('bcrypt:12');
    expect(await imported.heldClasses()).toEqual(['bcrypt:10', 'md5']);
    expect(warnings.map((w) => w.fields)).toEqual([{ algorithm: 'bcrypt', cost: 20, accounts: 2 }]);
    expect(await imported.measure('md5')).toBeUndefined();
    // Measured at cost 8 and scaled: cost 20 is 4,096 times cost 8, and takes no longer to estimate.
    const started = performance.now();
    const estimate = await imported.measure('bcrypt:20');
    expect(performance.now() - started).toBeLessThan(1000);
    expect(estimate).toBeGreaterThan(4096);
  });
});

describe('CheckQueue', () => {
  it('is sized to half of the thread pool Node starts with (UV_THREADPOOL_SIZE, read as libuv reads it)', () => {
    const concurrency = (size?: string) =>
      loadConfig(size === undefined ? {} : { UV_THREADPOOL_SIZE: size }).importedHashChecks.concurrency;
    expect(concurrency()).toBe(2);
    expect(concurrency('16')).toBe(8);
    expect(concurrency('1')).toBe(1);
    expect(concurrency('0')).toBe(1);
    expect(concurrency('many')).toBe(1);
  });

  it('runs at most `concurrency` checks, answers 503 with Retry-After when the line is full or a wait times out', async () => {
    const queue = new CheckQueue({ concurrency: 1, maxWaiting: 1, waitTimeoutMs: 50 });
    let release!: () => void;
    const first = queue.run(() => new Promise<string>((resolve) => (release = () => resolve('first'))));
    const second = queue.run(async () => 'second');
    const third = queue.run(async () => 'third');
    await expect(third).rejects.toMatchObject({ status: 503, code: 'password_checks_busy', headers: { 'Retry-After': '1' } });
    await expect(second).rejects.toMatchObject({ status: 503 });
    release();
    expect(await first).toBe('first');
    // The slot is free again.
    expect(await queue.run(async () => 'fourth')).toBe('fourth');
  });

  it('hands a freed slot to the next waiter, in order', async () => {
    const queue = new CheckQueue({ concurrency: 1, maxWaiting: 5, waitTimeoutMs: 1000 });
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((n) => queue.run(async () => void order.push(n))));
    expect(order).toEqual([1, 2, 3]);
  });
});
