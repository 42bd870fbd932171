/** One row of an import file: an item in the register body's shape, or why the line could not be read. */
export type ImportRow = { line: number; item: unknown } | { line: number; malformed: string };

const USER_INFO = new Set(['username', 'email', 'first_name', 'last_name']);

/** A flat row (CSV, or a flat JSON line) as the register body, as `sentinel import` reads it (src/modules/import/items.ts). */
function fromFlat(row: Record<string, unknown>): unknown {
  if ('user_info' in row) return row;
  const info: Record<string, unknown> = {};
  const body: Record<string, unknown> = { user_info: info };
  for (const [key, value] of Object.entries(row)) {
    if (value === null || (value === '' && key !== 'username' && key !== 'email')) continue;
    if (USER_INFO.has(key)) info[key] = value;
    else body[key] = value;
  }
  return body;
}

export function parseImportFile(name: string, text: string): ImportRow[] {
  return name.toLowerCase().endsWith('.csv') ? parseCsv(text) : parseJsonLines(text);
}

function parseJsonLines(text: string): ImportRow[] {
  const rows: ImportRow[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      const value = JSON.parse(line) as unknown;
      rows.push(
        typeof value === 'object' && value !== null && !Array.isArray(value)
          ? { line: index + 1, item: fromFlat(value as Record<string, unknown>) }
          : { line: index + 1, malformed: 'not a JSON object' },
      );
    } catch {
      rows.push({ line: index + 1, malformed: 'not valid JSON' });
    }
  });
  return rows;
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks; the first record names the columns. */
function parseCsv(text: string): ImportRow[] {
  const records: { line: number; fields: string[] }[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  const source = text.replace(/^\uFEFF/, '');
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') records.push({ line: start, fields });
    fields = [];
    field = '';
  };
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i]!;
    if (quoted) {
      if (char === '"' && source[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else {
        if (char === '\n') line += 1;
        field += char;
      }
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[i + 1] === '\n') i += 1;
      endRecord();
      line += 1;
      start = line;
    } else field += char;
  }
  endRecord();
  const [header, ...body] = records;
  if (!header) return [];
  const columns = header.fields.map((column) => column.trim());
  return body.map(({ line: at, fields: values }) =>
    values.length !== columns.length
      ? { line: at, malformed: `${values.length} fields where the header has ${columns.length}` }
      : { line: at, item: fromFlat(Object.fromEntries(columns.map((column, index) => [column, values[index]]))) },
  );
}
