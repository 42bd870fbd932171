import type { ImportedHashes, StoredPassword } from '../../accounts/passwords.js';
import type { CheckQueue } from './check-queue.js';
import { capExceeded, HASHERS, type CostCaps } from './index.js';

/** How many active accounts hold hashes of one format and work factor. */
export interface HeldHashes {
  algorithm: string;
  /** Hasher.cost of the hashes; null for formats without one. */
  cost: number | null;
  accounts: number;
}

export interface ImportedHashChecksDeps {
  caps: CostCaps;
  queue: CheckQueue;
  /** Counts the formats and work factors of the imported hashes active accounts hold. */
  countHeld: () => Promise<HeldHashes[]>;
  /** Logs a warning; `fields` name accounts by id, never a hash. */
  warn: (message: string, fields: Record<string, unknown>) => void;
}

const classOf = (algorithm: string, cost: number | null | undefined) => (cost == null ? algorithm : `${algorithm}:${cost}`);

/** The imported formats, as Passwords checks them: capped, queued for the thread pool, classed by cost. */
export class ImportedHashChecks implements ImportedHashes {
  constructor(private readonly deps: ImportedHashChecksDeps) {}

  async verify(password: string, stored: StoredPassword, onStart?: () => void): Promise<boolean> {
    const hasher = HASHERS[stored.algorithm];
    if (!hasher) return false;
    const over = capExceeded(stored, this.deps.caps);
    if (over) {
      // Imported before the cap existed: checking it could hold a thread for hours.
      this.deps.warn(
        `Login refused without checking: the account holds a ${stored.algorithm} hash of cost ${over.cost}, over ${over.setting} (${over.max}). ` +
          'An operator must set a new password for it (POST /operator/profile/reset-user-password)',
        { user_id: stored.userId ?? null },
      );
      return false;
    }
    const check = () => {
      onStart?.();
      return hasher.verify(password, stored).catch(() => false);
    };
    return hasher.onThreadPool ? this.deps.queue.run(check) : check();
  }

  costClass(stored: StoredPassword): string {
    return classOf(stored.algorithm, HASHERS[stored.algorithm]?.cost?.(stored));
  }

  async heldClasses(): Promise<string[]> {
    let held: HeldHashes[];
    try {
      held = await this.deps.countHeld();
    } catch (error) {
      this.deps.warn('Could not count the imported hashes accounts hold; failed logins are padded to the costs seen so far', {
        err: error,
      });
      return [];
    }
    const classes: string[] = [];
    for (const { algorithm, cost, accounts } of held) {
      const cap = this.deps.caps[algorithm];
      if (cap && cost !== null && cost > cap.max) {
        this.deps.warn(
          `${accounts} account(s) hold ${algorithm} hashes of cost ${cost}, over ${cap.setting} (${cap.max}): their logins are refused ` +
            'until an operator sets a new password for each',
          { algorithm, cost, accounts },
        );
      } else {
        classes.push(classOf(algorithm, cost));
      }
    }
    return classes;
  }

  async measure(costClass: string): Promise<number | undefined> {
    const [algorithm, cost] = costClass.split(':');
    const hasher = HASHERS[algorithm!];
    if (!hasher?.measure || cost === undefined) return undefined;
    const measure = () => hasher.measure!(Number(cost));
    // Only when a slot is free: a login must never wait behind a measurement.
    return hasher.onThreadPool ? this.deps.queue.runIfIdle(measure) : measure();
  }
}
