import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ErrorBox, useAction } from '../components.js';
import { useApi } from '../context.js';
import type { AuditEvent } from '../types.js';
import { AuditTable } from './AuditTable.js';

interface Filters {
  actor: string;
  target: string;
  action: string;
  from: string;
  to: string;
}
const NO_FILTERS: Filters = { actor: '', target: '', action: '', from: '', to: '' };

/** The audit log, newest first, filtered by the server; more pages load on scroll (or with the button). */
export function Audit() {
  const api = useApi();
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const { error, busy, run } = useAction();
  const sentinel = useRef<HTMLDivElement>(null);

  const fetchPage = (cursor: string | undefined) =>
    run(async () => {
      const query = {
        limit: 50,
        ...(filters.actor.trim() ? { actor: filters.actor.trim() } : {}),
        ...(filters.target.trim() ? { target: filters.target.trim() } : {}),
        ...(filters.action.trim()
          ? {
              action: filters.action
                .split(',')
                .map((a) => a.trim())
                .filter(Boolean),
            }
          : {}),
        ...(filters.from ? { from: new Date(filters.from).toISOString() } : {}),
        ...(filters.to ? { to: new Date(filters.to).toISOString() } : {}),
        ...(cursor ? { cursor } : {}),
      };
      const answer = await ok(api.GET('/operator/audit', { params: { query } }));
      setEvents((previous) => (cursor ? [...previous, ...answer.events] : answer.events));
      setNext(answer.next_cursor);
    });

  useEffect(() => void fetchPage(undefined), [api, filters]);

  // Load more when the end of the list scrolls into view.
  useEffect(() => {
    const target = sentinel.current;
    if (!target || !next) return;
    const observer = new IntersectionObserver((entries) => entries.some((entry) => entry.isIntersecting) && !busy && void fetchPage(next));
    observer.observe(target);
    return () => observer.disconnect();
  }, [next, busy]);

  const apply = (event: FormEvent) => {
    event.preventDefault();
    setFilters(draft);
  };
  const field = (name: keyof Filters) => ({
    value: draft[name],
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [name]: e.target.value }),
  });

  return (
    <>
      <h1>Audit</h1>
      <form onSubmit={apply} className="filters" aria-label="Filter audit events">
        <label>
          Actor (user id)
          <input {...field('actor')} />
        </label>
        <label>
          Target (user id)
          <input {...field('target')} />
        </label>
        <label>
          Action
          <input {...field('action')} placeholder="login.* , operator.user_deleted" />
        </label>
        <label>
          From
          <input type="datetime-local" {...field('from')} />
        </label>
        <label>
          To
          <input type="datetime-local" {...field('to')} />
        </label>
        <button type="submit">Filter</button>
        <button type="button" onClick={() => (setDraft(NO_FILTERS), setFilters(NO_FILTERS))}>
          Clear
        </button>
      </form>
      <ErrorBox error={error} />
      <AuditTable events={events} caption="Audit events, newest first" />
      {events.length === 0 && !busy && <p>No events match.</p>}
      <div ref={sentinel} />
      {next && (
        <button type="button" onClick={() => void fetchPage(next)} disabled={busy}>
          Load more
        </button>
      )}
    </>
  );
}
