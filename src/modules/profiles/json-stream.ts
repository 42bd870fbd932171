/**
 * Building blocks for JSON documents written as a stream: lists read a page at a time and
 * text handed on in chunks of a useful size, so memory holds a page, not the document.
 */

/** Every row of a keyset-paginated list: `fetch(after)` answers the page after `after` (undefined: the first). */
export async function* pages<Row, Key>(
  fetch: (after: Key | undefined) => Promise<Row[]>,
  keyOf: (row: Row) => Key,
  pageSize: number,
): AsyncGenerator<Row> {
  let after: Key | undefined;
  for (;;) {
    const rows = await fetch(after);
    yield* rows;
    if (rows.length < pageSize) return;
    after = keyOf(rows[rows.length - 1]!);
  }
}

/** The elements of a JSON array (without its brackets): each row as JSON, comma-separated. */
export async function* jsonElements<Row>(rows: AsyncIterable<Row>, toJson: (row: Row) => string): AsyncGenerator<string> {
  let first = true;
  for await (const row of rows) {
    yield first ? toJson(row) : `,${toJson(row)}`;
    first = false;
  }
}

/** Joins small pieces of text into chunks of about `size` characters; larger pieces pass as they are. */
export async function* chunked(pieces: AsyncIterable<string>, size = 64 * 1024): AsyncGenerator<string> {
  let buffer = '';
  for await (const piece of pieces) {
    buffer += piece;
    if (buffer.length >= size) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer !== '') yield buffer;
}
