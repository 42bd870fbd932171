import { hash as argon2Hash, parseOptions, verify as argon2Verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import type { Argon2Params } from '../../config.js';
import { FailureFloor } from './failure-floor.js';

/** What the users table stores about a password. */
export interface StoredPassword {
  hash: string;
  algorithm: string;
  salt: string | null;
  saltPosition: string | null;
  /** The account holding it, when it is read from one: for logs that must name the account, never the hash. */
  userId?: string;
}

/** The hash formats Sentinel can check but does not write: those of imported user bases. */
export interface ImportedHashes {
  /**
   * Compares in constant time. False for an unknown format, and for a hash whose work factor
   * is over the import cap (never checked). Throws a 503 AppError when the check cannot get
   * a turn on the thread pool in time; calls `onStart` once it has one.
   */
  verify(password: string, stored: StoredPassword, onStart?: () => void): Promise<boolean>;
  /** What a check of this hash costs, as a name: `bcrypt:12`, `md5-crypt`, `sha256`. */
  costClass(stored: StoredPassword): string;
  /** The cost classes of the hashes active accounts hold now, the ones over the cap left out. Never rejects. */
  heldClasses(): Promise<string[]>;
  /**
   * What a check of this class takes, in milliseconds, measured cheaply; undefined when the
   * class's checks are cheap, or the thread pool's share is busy (a later login measures it).
   */
  measure(costClass: string): Promise<number | undefined>;
}

export interface PasswordCheck {
  valid: boolean;
  /** A fresh argon2id hash to store, when the stored one is imported or has old parameters. */
  upgradedHash?: string;
}

export const ARGON2ID = 'argon2id';

/** How often the classes of stored hashes are counted again, so upgraded imports stop padding failures. */
const RECOUNT_MS = 10 * 60_000;

/** `Algorithm.Argon2id` and `Version.V0x13` of @node-rs/argon2: const enums, which isolated modules cannot read. */
const ARGON2ID_ALGORITHM = 2;
const ARGON2_VERSION_19 = 1;

/**
 * argon2id hashing, and checks of every stored hash. @node-rs/argon2 runs each hash as a task
 * on libuv's thread pool, so hashing never blocks the event loop; it verifies the PHC strings
 * the `argon2` package wrote (test/argon2-compatibility.test.ts), with about a third of its
 * CPU per hash (docs/benchmarks.md).
 *
 * Every failed check takes the same time (see FailureFloor): it spends one argon2id check
 * (the account's own, or a dummy for unknown names and imported hashes, so that all of them
 * queue for the same threads), then waits out the floor.
 */
export class Passwords {
  private dummyHash: Promise<string> | undefined;
  private readonly floor = new FailureFloor(ARGON2ID);
  private countedAt: number | undefined;
  private readonly measuring = new Set<string>();

  constructor(
    private readonly params: Argon2Params,
    private readonly imported?: ImportedHashes,
  ) {}

  hash(password: string): Promise<string> {
    return argon2Hash(password, {
      algorithm: ARGON2ID_ALGORITHM,
      memoryCost: this.params.memoryKib,
      timeCost: this.params.iterations,
      parallelism: this.params.parallelism,
    });
  }

  async check(password: string, stored: StoredPassword): Promise<PasswordCheck> {
    const started = performance.now();
    if (stored.algorithm === ARGON2ID) {
      const valid = await argon2Verify(stored.hash, password).catch(() => false);
      if (!valid) return this.failed(ARGON2ID, started);
      return this.needsRehash(stored.hash) ? { valid, upgradedHash: await this.hash(password) } : { valid };
    }
    // Time spent waiting for a turn is not the check's cost: the floor measures and pads from the turn on.
    let turn = started;
    if (this.imported && (await this.imported.verify(password, stored, () => (turn = performance.now())))) {
      return { valid: true, upgradedHash: await this.hash(password) };
    }
    await this.spendArgon2(password);
    return this.failed(this.imported?.costClass(stored) ?? stored.algorithm, turn);
  }

  /**
   * Spends the time of a failed check, for logins naming no known user: otherwise the quick
   * answer would tell an attacker which emails are registered.
   */
  async checkNobody(password: string): Promise<false> {
    const started = performance.now();
    await this.spendArgon2(password);
    await this.failed(ARGON2ID, started);
    return false;
  }

  /** An imported hash was just stored: failed checks are padded to its cost from now on, not from the next count. */
  noteStored(stored: StoredPassword): void {
    if (stored.algorithm === ARGON2ID || !this.imported) return;
    this.floor.hold([this.imported.costClass(stored)]);
    void this.measureUnmeasured();
  }

  private async failed(costClass: string, started: number): Promise<{ valid: false }> {
    this.floor.record(costClass, performance.now() - started);
    // An account holds it, so the database does (one over the cap is refused unchecked: its time is argon2id's).
    this.floor.hold([costClass]);
    this.recountHeldClasses();
    await this.floor.pad(started);
    return { valid: false };
  }

  private async spendArgon2(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64'));
    await argon2Verify(await this.dummyHash, password).catch(() => false);
  }

  /** In the background: the first failed check after start, then every RECOUNT_MS. */
  private recountHeldClasses(): void {
    const now = performance.now();
    if (!this.imported || (this.countedAt !== undefined && now - this.countedAt < RECOUNT_MS)) return;
    this.countedAt = now;
    void this.imported.heldClasses().then((classes) => {
      this.floor.hold(classes, { replace: true });
      return this.measureUnmeasured();
    });
  }

  /** Estimates each held class that no login has measured yet (a class found by counting, or just imported). */
  private async measureUnmeasured(): Promise<void> {
    const imported = this.imported;
    if (!imported) return;
    for (const costClass of this.floor.unmeasured()) {
      if (this.measuring.has(costClass)) continue;
      this.measuring.add(costClass);
      try {
        const ms = await imported.measure(costClass);
        // A failed check of an imported hash also spends an argon2id check.
        if (ms !== undefined) this.floor.record(costClass, ms + (this.floor.estimateOf(ARGON2ID) ?? 0));
      } catch {
        // Measuring is best effort: the next failed login of that class measures it for real.
      } finally {
        this.measuring.delete(costClass);
      }
    }
  }

  /** True when the hash is not argon2id v19 at the configured parameters. */
  private needsRehash(hash: string): boolean {
    try {
      const used = parseOptions(hash);
      return (
        used.algorithm !== ARGON2ID_ALGORITHM ||
        used.version !== ARGON2_VERSION_19 ||
        used.memoryCost !== this.params.memoryKib ||
        used.timeCost !== this.params.iterations ||
        used.parallelism !== this.params.parallelism
      );
    } catch {
      return false;
    }
  }
}
