import { desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db, Executor } from '../../db/client.js';
import { signingKeys, type SigningKeyRow } from '../../db/schema.js';
import { HS256_KID } from './algorithms.js';

/** Any constant: a rotation holds this transaction lock, so two processes never both pick a signer. */
const ROTATION_LOCK_ID = 7_361_313;

export type NewSigningKey = Pick<SigningKeyRow, 'kid' | 'alg' | 'publicJwk' | 'privateKeySealed'>;

export class SigningKeysRepository {
  constructor(private readonly db: Db) {}

  /** Every key, newest first (the signer before a key replaced in the same transaction); rotations are rare, so the table stays small. */
  all(): Promise<SigningKeyRow[]> {
    return this.db
      .select()
      .from(signingKeys)
      .orderBy(desc(signingKeys.createdAt), sql`${signingKeys.supersededAt} DESC NULLS FIRST`, signingKeys.kid);
  }

  async active(executor: Executor = this.db): Promise<SigningKeyRow | undefined> {
    const [row] = await executor.select().from(signingKeys).where(isNull(signingKeys.supersededAt));
    return row;
  }

  async byKid(kid: string, executor: Executor = this.db): Promise<SigningKeyRow | undefined> {
    const [row] = await executor.select().from(signingKeys).where(eq(signingKeys.kid, kid));
    return row;
  }

  /** Runs `work` in a transaction that holds the rotation lock until it commits. */
  inRotation<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${ROTATION_LOCK_ID})`);
      return work(tx);
    });
  }

  async supersede(tx: Executor, kid: string, at: Date, retiresAt: Date): Promise<void> {
    await tx.update(signingKeys).set({ supersededAt: at, retiresAt }).where(eq(signingKeys.kid, kid));
  }

  async insert(tx: Executor, key: NewSigningKey & Partial<Pick<SigningKeyRow, 'supersededAt' | 'retiresAt'>>): Promise<SigningKeyRow> {
    const [row] = await tx.insert(signingKeys).values(key).returning();
    return row!;
  }

  /** Makes the HS256 secret the signer again (its row is created the first time). */
  async activateHs256(tx: Executor): Promise<SigningKeyRow> {
    const [row] = await tx
      .insert(signingKeys)
      .values({ kid: HS256_KID, alg: 'HS256' })
      .onConflictDoUpdate({ target: signingKeys.kid, set: { supersededAt: null, retiresAt: null } })
      .returning();
    return row!;
  }
}
