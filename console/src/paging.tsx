import { useState } from 'react';

/**
 * Server-side pages by opaque cursor: the cursors of the pages before this one are kept, so
 * Previous pops and Next pushes. `reset` goes back to the first page (a new search).
 */
export function useCursorPages() {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  return {
    cursor: cursors[cursors.length - 1],
    number: cursors.length,
    previous: () => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list)),
    next: (cursor: string) => setCursors((list) => [...list, cursor]),
    reset: () => setCursors([undefined]),
  };
}

/** Previous and Next buttons for a `useCursorPages` list; `nextCursor` is the server's next_cursor. */
export function Pager({ pages, nextCursor }: { pages: ReturnType<typeof useCursorPages>; nextCursor: string | null | undefined }) {
  return (
    <div className="pager">
      <button type="button" disabled={pages.number === 1} onClick={pages.previous}>
        Previous page
      </button>
      <span>Page {pages.number}</span>
      <button type="button" disabled={!nextCursor} onClick={() => nextCursor && pages.next(nextCursor)}>
        Next page
      </button>
    </div>
  );
}
