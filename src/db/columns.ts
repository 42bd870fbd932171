import { getTableColumns, type Table } from 'drizzle-orm';

/**
 * A table's columns as a SELECT (or RETURNING) list whose rows are keyed as Drizzle keys
 * them (`"first_name" AS "firstName"`), for statements run through Database.prepared: the
 * list follows the schema, so a column added there is read here too. Tables with bigint
 * columns need casts (see Database.prepared) and are not for this.
 */
export function columnList(table: Table, alias?: string): string {
  const prefix = alias ? `${alias}.` : '';
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `${prefix}"${column.name}" AS "${key}"`)
    .join(', ');
}
