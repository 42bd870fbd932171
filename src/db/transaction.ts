import type { Db, Executor } from './client.js';

/** A transaction that can hold work back until it has committed. */
export interface Transaction extends Executor {
  /** Runs `task` once the transaction has committed, and never if it rolls back. */
  afterCommit(task: () => Promise<void>): void;
}

/**
 * Runs `work` in one transaction, then the tasks it deferred with afterCommit, in order: for
 * what must wait until the change is visible to others, and must not happen if it never is
 * (telling every process that sessions have ended, say).
 */
export async function inTransaction<T>(db: Db, work: (tx: Transaction) => Promise<T>): Promise<T> {
  const tasks: (() => Promise<void>)[] = [];
  const result = await db.transaction((tx) =>
    work(Object.assign(tx, { afterCommit: (task: () => Promise<void>) => void tasks.push(task) })),
  );
  for (const task of tasks) await task();
  return result;
}
