import { and, count, eq, getTableColumns, isNull, type SQL } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../../src/db/client.js';

/** Column values a row must have (`null`: IS NULL), by the schema's property names. */
export type Where<T extends PgTable> = Partial<T['$inferSelect']>;

/**
 * What the database holds, read through the tables of src/db/schema.ts rather than raw SQL:
 * a renamed column or table fails to compile instead of failing a test at run time.
 */
export function stored(database: { db: Db }) {
  const conditionsOf = <T extends PgTable>(table: T, where: Where<T> = {}): SQL | undefined => {
    const columns = getTableColumns(table);
    return and(
      ...Object.entries(where).map(([name, value]) => {
        const column = columns[name];
        if (!column) throw new Error(`${name} is not a column of this table`);
        return value === null ? isNull(column) : eq(column, value);
      }),
    );
  };
  return {
    /** The rows of `table` matching `where` (every row without it). */
    rows: <T extends PgTable>(table: T, where?: Where<T>): Promise<T['$inferSelect'][]> =>
      database.db
        .select()
        .from(table as PgTable)
        .where(conditionsOf(table, where)) as Promise<T['$inferSelect'][]>,
    /** The one row of `table` matching `where`, or undefined. */
    row: async <T extends PgTable>(table: T, where: Where<T>): Promise<T['$inferSelect'] | undefined> => {
      const rows = (await database.db
        .select()
        .from(table as PgTable)
        .where(conditionsOf(table, where))) as T['$inferSelect'][];
      if (rows.length > 1) throw new Error(`${rows.length} rows match, not one`);
      return rows[0];
    },
    /** How many rows of `table` match `where`. */
    count: async <T extends PgTable>(table: T, where?: Where<T>): Promise<number> => {
      const [row] = await database.db
        .select({ n: count() })
        .from(table as PgTable)
        .where(conditionsOf(table, where));
      return row?.n ?? 0;
    },
  };
}
