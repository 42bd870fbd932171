import { setTimeout as sleep } from 'node:timers/promises';

/** Weight of the newest duration in a class's running estimate. */
const SMOOTHING = 0.25;
/** Pad a little past the estimate, so the slowest class itself rarely runs over the floor. */
const MARGIN = 1.1;

/**
 * How long a failed password check takes, whatever failed: an unknown name, a wrong
 * password for an argon2id account, or for an imported bcrypt, md5-crypt or digest hash.
 *
 * Each kind of check is a cost class (`argon2id`, `bcrypt:12`, `md5`) with a running
 * estimate of what a failed check of it takes. The floor is the largest estimate among the
 * classes the database holds, plus a margin; every failed check waits (on a timer, using no
 * CPU) until the floor has passed since it started. An attacker timing failed logins then
 * sees one duration, and cannot tell which names exist or which accounts are imported.
 */
export class FailureFloor {
  private readonly estimates = new Map<string, number>();
  private held: Set<string>;

  /** `always`: the class every failed check can be (argon2id: unknown names spend one). */
  constructor(private readonly always: string) {
    this.held = new Set([always]);
  }

  record(costClass: string, ms: number): void {
    const previous = this.estimates.get(costClass);
    this.estimates.set(costClass, previous === undefined ? ms : previous + SMOOTHING * (ms - previous));
  }

  estimateOf(costClass: string): number | undefined {
    return this.estimates.get(costClass);
  }

  /** Classes the database holds; `replace` when they are all of them (a fresh count), else added. */
  hold(classes: Iterable<string>, options: { replace?: boolean } = {}): void {
    if (options.replace) this.held = new Set([this.always]);
    for (const costClass of classes) this.held.add(costClass);
  }

  /** Held classes with no estimate yet: to be measured. */
  unmeasured(): string[] {
    return [...this.held].filter((costClass) => !this.estimates.has(costClass));
  }

  floorMs(): number {
    let floor = 0;
    for (const costClass of this.held) floor = Math.max(floor, this.estimates.get(costClass) ?? 0);
    return floor * MARGIN;
  }

  /** Waits until the floor has passed since `startedAt` (a performance.now() reading). */
  async pad(startedAt: number): Promise<void> {
    const wait = this.floorMs() - (performance.now() - startedAt);
    if (wait >= 1) await sleep(wait);
  }
}
