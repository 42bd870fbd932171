import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../http/errors.js';
import { readCsv, readJsonLines, type SourceRow } from './sources.js';

async function collect(rows: AsyncIterable<SourceRow>): Promise<SourceRow[]> {
  const out: SourceRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Splits the text into small chunks, so records cross chunk boundaries as they do in big files. */
const stream = (text: string, chunk = 7) =>
  Readable.from(Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => Buffer.from(text.slice(i * chunk, (i + 1) * chunk))));

const HEADER = 'username,email,first_name,last_name,password_hash,hash_algorithm';
const MD5 = '5f4dcc3b5aa765d61d8327deb882cf99';

describe('readCsv', () => {
  it('reads rows into register bodies, numbering them by the line they start on', async () => {
    const text = `\uFEFF${HEADER}\r\nada,ada@example.com,Ada,"Lovelace, Countess",${MD5},md5\r\n\r\n\r\n"bob",bob@example.com,"Bob ""the""\nBuilder",,${MD5},MD5\r\n`;
    const rows = await collect(readCsv(stream(text)));
    expect(rows).toEqual([
      {
        line: 2,
        item: {
          user_info: { username: 'ada', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace, Countess' },
          password_hash: MD5,
          hash_algorithm: 'md5',
        },
      },
      {
        line: 5,
        item: {
          user_info: { username: 'bob', email: 'bob@example.com', first_name: 'Bob "the"\nBuilder' },
          password_hash: MD5,
          hash_algorithm: 'MD5',
        },
      },
    ]);
  });

  it('maps columns by the header, in any order and case, with the optional salt columns', async () => {
    const text = `Hash_Algorithm,password_hash,email,username,salt,salt_position\nsha1,${'a'.repeat(40)},x@example.com,xavier,pepper,suffix\n`;
    const [row] = await collect(readCsv(stream(text)));
    expect(row).toEqual({
      line: 2,
      item: {
        user_info: { email: 'x@example.com', username: 'xavier' },
        hash_algorithm: 'sha1',
        password_hash: 'a'.repeat(40),
        salt: 'pepper',
        salt_position: 'suffix',
      },
    });
  });

  it('answers rows with a missing or an extra column as malformed and goes on', async () => {
    const text = `${HEADER}\nada,ada@example.com,Ada,${MD5},md5\nbob,bob@example.com,B,B,${MD5},md5,surprise\ncarol,carol@example.com,C,C,${MD5},md5\n`;
    const rows = await collect(readCsv(stream(text)));
    expect(rows.map((r) => ('malformed' in r ? [r.line, r.malformed] : [r.line, 'ok']))).toEqual([
      [2, '5 fields where the header has 6 (missing column)'],
      [3, '7 fields where the header has 6 (extra column)'],
      [4, 'ok'],
    ]);
  });

  it('answers a truncated last line as malformed, keeping the rows before it', async () => {
    const cutInField = await collect(readCsv(stream(`${HEADER}\nada,ada@example.com,Ada,A,${MD5},md5\nbob,bob@exa`)));
    expect(cutInField.map((r) => r.line)).toEqual([2, 3]);
    expect(cutInField[1]).toMatchObject({ line: 3, malformed: expect.stringContaining('missing column') });

    const cutInQuote = await collect(readCsv(stream(`${HEADER}\r\nada,ada@example.com,Ada,A,${MD5},md5\r\n\r\nbob,bob@example.com,"Bo`)));
    expect(cutInQuote).toHaveLength(2);
    expect(cutInQuote[1]).toMatchObject({ line: 4, malformed: expect.stringContaining('never closed') });
  });

  it('keeps a stray quote as a character, so only its own row is at fault', async () => {
    const text = `${HEADER}\nada,ada@example.com,A,A,${MD5},md5\nbob,"bob"x@example.com,B,B,${MD5},md5\ncarol,carol@example.com,C,C,${MD5},md5\n`;
    const rows = await collect(readCsv(stream(text)));
    expect(rows.map((r) => r.line)).toEqual([2, 3, 4]);
    expect(rows[1]).toMatchObject({ item: { user_info: { email: '"bob"x@example.com' } } });
    expect(rows[2]).toMatchObject({ item: { user_info: { username: 'carol' } } });
  });

  it('says which lines a never-closed quote swallowed', async () => {
    const text = `${HEADER}\nada,ada@example.com,"A,A,${MD5},md5\nbob,bob@example.com,B,B,${MD5},md5\n`;
    const rows = await collect(readCsv(stream(text)));
    expect(rows).toEqual([{ line: 2, malformed: expect.stringContaining('lines 2 to 3 were not read') }]);
  });

  it.each([
    ['no header at all', ''],
    ['a header missing password_hash', 'username,email,hash_algorithm\n'],
    ['a header with an unknown column', `${HEADER},password\n`],
    ['a header repeating a column', `${HEADER},email\n`],
  ])('refuses the whole file for %s, naming the problem', async (_name, text) => {
    const failure = await collect(readCsv(stream(text))).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('unreadable_file');
  });
});

describe('readJsonLines', () => {
  it('reads flat objects and register bodies, skipping empty lines, across CRLF and a BOM', async () => {
    const text = `\uFEFF{"username":"ada","email":"ada@example.com","password_hash":"${MD5}","hash_algorithm":"md5","salt":null}\r\n\r\n   \n{"user_info":{"username":"bob","email":"bob@example.com"},"password_hash":"${MD5}","hash_algorithm":"md5"}\n`;
    expect(await collect(readJsonLines(stream(text)))).toEqual([
      { line: 1, item: { user_info: { username: 'ada', email: 'ada@example.com' }, password_hash: MD5, hash_algorithm: 'md5' } },
      { line: 4, item: { user_info: { username: 'bob', email: 'bob@example.com' }, password_hash: MD5, hash_algorithm: 'md5' } },
    ]);
  });

  it('answers malformed lines, non-objects and a truncated last line, and goes on', async () => {
    const text = `{"username":"ada"\n[1,2]\n"text"\n{"username":"bob","email":"bob@example.com"}\n{"username":"carol","em`;
    const rows = await collect(readJsonLines(stream(text)));
    expect(rows.map((r) => ('malformed' in r ? [r.line, r.malformed.split(' (')[0]] : [r.line, 'ok']))).toEqual([
      [1, 'not valid JSON'],
      [2, 'not a JSON object'],
      [3, 'not a JSON object'],
      [4, 'ok'],
      [5, 'not valid JSON'],
    ]);
  });
});
