import { describe, expect, it } from 'vitest';
import { AppError } from './errors.js';
import { DEFAULT_PAGE_SIZE, encodeCursor, page, readPage } from './pagination.js';

describe('readPage: the one reading of limit and cursor', () => {
  it('asks for the first page of DEFAULT_PAGE_SIZE rows when the request says nothing', () => {
    expect(readPage({}, ['number'])).toEqual({ limit: DEFAULT_PAGE_SIZE, after: undefined });
  });

  it('reads back the key of the last row that page() handed out', () => {
    const { nextCursor } = page([{ id: 7 }, { id: 8 }, { id: 9 }], 2, (row) => [row.id]);
    expect(readPage({ limit: 2, cursor: nextCursor! }, ['number'])).toEqual({ limit: 2, after: [8] });
  });

  it.each([
    ['not base64url JSON', '%%%'],
    ['a key of another shape', encodeCursor(['x'])],
    ['a negative row id', encodeCursor([-1])],
  ])('answers 400 validation_failed to a cursor that is %s', (_, cursor) => {
    expect(() => readPage({ cursor }, ['number'])).toThrow(AppError);
    try {
      readPage({ cursor }, ['number']);
    } catch (error) {
      expect((error as AppError).errors).toEqual([{ path: 'querystring/cursor', message: 'is not a valid cursor' }]);
    }
  });
});
