import type { Db, Executor } from '../../db/client.js';
import type { RequestContext } from '../../http/request-context.js';
import type { PasswordImporter } from '../accounts/password-input.js';
import type { Passwords } from '../accounts/passwords.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ImportRepository, NewImportedUser } from './import-repository.js';
import { checkItem, type ItemCheck, type Skip, type UserToImport } from './items.js';
import type { EventSink } from '../webhooks/events.js';

export type Outcome = { status: 'created'; userId: string } | { status: 'would_create' } | { status: 'skipped'; skip: Skip };

/** A checked user and where it came from: an index in a request, a line in a file. */
export interface Keyed<T> {
  key: number;
  user: T;
}

export interface BatchOptions {
  dryRun: boolean;
  /** Start of the import run (database time): accounts created since then are earlier rows of the same run. */
  since?: string | undefined;
  /** How a problem names another item: `item 3`, `line 17`. */
  describe: (key: number) => string;
}

export interface ImportCounts {
  created: number;
  would_create: number;
  skipped: number;
}

export interface UserImportDeps {
  db: Db;
  repository: ImportRepository;
  audit: AuditLog;
  /** Parses imported hashes, with the configured caps on work factors. */
  importer: PasswordImporter;
  /** Only for plaintext passwords in API items (file imports carry hashes), and to pad failed logins to the cost of what was imported. */
  passwords?: Passwords;
  /** Where `users.imported` goes (the webhook outbox); none when absent. */
  events?: EventSink;
}

/** What a batch of a file import records about itself: where its rows came from. */
export interface FileBatch {
  context: RequestContext;
  detail: Record<string, unknown>;
}

/** Plaintext items cost an argon2id hash each: two at a time leaves libuv's other threads to logins. */
const PLAINTEXT_HASH_CONCURRENCY = 2;

/** Bulk creation of users with imported password hashes, for POST /operator/users/import and `sentinel import`. */
export class UserImportService {
  constructor(private readonly deps: UserImportDeps) {}

  /** The API's import: every item answered in order; one audit event per request. */
  async importItems(
    items: readonly unknown[],
    options: { dryRun: boolean },
    actorUserId: string | null,
    context: RequestContext,
  ): Promise<{ counts: ImportCounts; outcomes: Outcome[] }> {
    const outcomes: Outcome[] = new Array(items.length);
    const ready: Keyed<UserToImport>[] = [];
    items.forEach((item, index) => {
      const check = checkItem(item, { plaintext: this.deps.passwords !== undefined, importer: this.deps.importer });
      if (check.ok) ready.push({ key: index, user: check.user });
      else outcomes[index] = { status: 'skipped', skip: check.skip };
    });
    const describe = (key: number) => `item ${key}`;
    const { unique, duplicates } = dedupe(ready, describe);
    for (const duplicate of duplicates) outcomes[duplicate.key] = { status: 'skipped', skip: duplicate.skip };

    const rows = options.dryRun ? unique.map(withPlaceholderHash) : await this.hashPlaintexts(unique);
    await this.deps.db.transaction(async (tx) => {
      const written = await this.writeBatch(rows, { dryRun: options.dryRun, describe }, tx);
      for (const [key, outcome] of written) outcomes[key] = outcome;
      await this.deps.audit.record(
        {
          action: 'users.imported',
          actorUserId,
          detail: { source: 'api', dry_run: options.dryRun, items: items.length, ...countOutcomes(outcomes) },
        },
        context,
        tx,
      );
      const { created } = countOutcomes(outcomes);
      if (created > 0) await this.deps.events?.emit(tx, { type: 'users.imported', data: { source: 'api', count: created } });
    });
    for (const row of rows) if (outcomes[row.key]?.status === 'created') this.deps.passwords?.noteStored(row.user.password);
    return { counts: countOutcomes(outcomes), outcomes };
  }

  /** Checks a row of an import file: hashes only, since a plaintext password would cost an argon2id hash per row. */
  checkFileItem(item: unknown): ItemCheck {
    return checkItem(item, { plaintext: false, importer: this.deps.importer });
  }

  /**
   * Writes a batch of a file import with its audit event (`users.import_batch`, the number
   * created) in one transaction: when the command is killed, the log still names every batch
   * that landed. A dry run, or a batch whose every row was skipped before reaching the
   * database, records nothing.
   */
  async writeFileBatch(rows: readonly Keyed<NewImportedUser>[], options: BatchOptions, batch: FileBatch): Promise<Map<number, Outcome>> {
    if (options.dryRun || rows.length === 0) return this.writeBatch(rows, options);
    return this.deps.db.transaction(async (tx) => {
      const outcomes = await this.writeBatch(rows, options, tx);
      const created = [...outcomes.values()].filter((outcome) => outcome.status === 'created').length;
      await this.deps.audit.record(
        { action: 'users.import_batch', actorUserId: null, detail: { ...batch.detail, created } },
        batch.context,
        tx,
      );
      return outcomes;
    });
  }

  /**
   * Writes checked, de-duplicated users in one statement and answers each key: created, or
   * skipped because its email or username is taken (by an existing account, or by an
   * earlier row of the same run). A dry run writes nothing and answers what would happen.
   */
  async writeBatch(
    rows: readonly Keyed<NewImportedUser>[],
    options: BatchOptions,
    executor: Executor = this.deps.db,
  ): Promise<Map<number, Outcome>> {
    const { repository } = this.deps;
    const outcomes = new Map<number, Outcome>();
    const inserted = options.dryRun
      ? []
      : await repository.insertMany(
          rows.map((row) => row.user),
          executor,
        );
    const idByEmail = new Map(inserted.map((row) => [row.email.toLowerCase(), row.id]));
    const missing: Keyed<NewImportedUser>[] = [];
    for (const row of rows) {
      const id = idByEmail.get(row.user.email.toLowerCase());
      if (id) outcomes.set(row.key, { status: 'created', userId: id });
      else missing.push(row);
    }
    if (missing.length === 0) return outcomes;

    const taken = await repository.findTaken(
      missing.map((row) => row.user.email.toLowerCase()),
      missing.map((row) => row.user.username.toLowerCase()),
      options.since,
      executor,
    );
    const byEmail = new Map(taken.map((user) => [user.email, user]));
    const byUsername = new Map(taken.map((user) => [user.username, user]));
    for (const row of missing) {
      const email = byEmail.get(row.user.email.toLowerCase());
      const username = email ? undefined : byUsername.get(row.user.username.toLowerCase());
      const skip: Skip | undefined = email
        ? email.recent
          ? { reason: 'duplicate', detail: 'The same email (in any case) is on an earlier row of this import' }
          : { reason: 'email_taken', detail: 'Another account already uses this email' }
        : username
          ? username.recent
            ? { reason: 'duplicate', detail: 'The same username (in any case) is on an earlier row of this import' }
            : { reason: 'username_taken', detail: 'Another account already uses this username' }
          : options.dryRun
            ? undefined
            : { reason: 'email_taken', detail: 'The email or username clashed with an account that no longer exists' };
      outcomes.set(row.key, skip ? { status: 'skipped', skip } : { status: 'would_create' });
    }
    return outcomes;
  }

  /** The database's clock: rows created from this moment on belong to the run that asked. */
  databaseNow(): Promise<string> {
    return this.deps.repository.now();
  }

  /** One audit event for a whole file import. */
  async recordRun(detail: Record<string, unknown>, context: RequestContext): Promise<void> {
    await this.deps.audit.record({ action: 'users.imported', actorUserId: null, detail }, context);
    const count = Number(detail.created ?? 0);
    if (!detail.dry_run && count > 0)
      await this.deps.events?.emit(this.deps.db, { type: 'users.imported', data: { source: 'file', count } });
  }

  private async hashPlaintexts(rows: readonly Keyed<UserToImport>[]): Promise<Keyed<NewImportedUser>[]> {
    const { passwords } = this.deps;
    const result: Keyed<NewImportedUser>[] = new Array(rows.length);
    let next = 0;
    const worker = async () => {
      while (next < rows.length) {
        const index = next++;
        const { key, user } = rows[index]!;
        if (user.password.kind === 'imported') {
          result[index] = { key, user: { ...user, password: user.password.stored } };
        } else {
          const hash = await passwords!.hash(user.password.password);
          result[index] = { key, user: { ...user, password: { hash, algorithm: 'argon2id', salt: null, saltPosition: null } } };
        }
      }
    };
    await Promise.all(Array.from({ length: PLAINTEXT_HASH_CONCURRENCY }, worker));
    return result;
  }
}

/** A dry run never stores the row, so a plaintext password need not be hashed to check it. */
function withPlaceholderHash({ key, user }: Keyed<UserToImport>): Keyed<NewImportedUser> {
  const password =
    user.password.kind === 'imported' ? user.password.stored : { hash: '', algorithm: 'argon2id', salt: null, saltPosition: null };
  return { key, user: { ...user, password } };
}

/**
 * Keeps the first of several items sharing an email or a username (compared lowercase, as
 * the unique indexes do); the others are skipped as duplicates naming the one kept.
 */
export function dedupe<T extends { email: string; username: string }>(
  rows: readonly Keyed<T>[],
  describe: (key: number) => string,
): { unique: Keyed<T>[]; duplicates: { key: number; skip: Skip }[] } {
  const emails = new Map<string, number>();
  const usernames = new Map<string, number>();
  const unique: Keyed<T>[] = [];
  const duplicates: { key: number; skip: Skip }[] = [];
  for (const row of rows) {
    const email = row.user.email.toLowerCase();
    const username = row.user.username.toLowerCase();
    const sameEmail = emails.get(email);
    const sameUsername = usernames.get(username);
    if (sameEmail !== undefined) {
      duplicates.push({ key: row.key, skip: { reason: 'duplicate', detail: `The same email (in any case) is on ${describe(sameEmail)}` } });
    } else if (sameUsername !== undefined) {
      duplicates.push({
        key: row.key,
        skip: { reason: 'duplicate', detail: `The same username (in any case) is on ${describe(sameUsername)}` },
      });
    } else {
      emails.set(email, row.key);
      usernames.set(username, row.key);
      unique.push(row);
    }
  }
  return { unique, duplicates };
}

export function countOutcomes(outcomes: readonly Outcome[]): ImportCounts {
  const counts: ImportCounts = { created: 0, would_create: 0, skipped: 0 };
  for (const outcome of outcomes) counts[outcome.status] += 1;
  return counts;
}
