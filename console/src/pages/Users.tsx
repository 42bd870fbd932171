import { useEffect, useState } from 'react';
import type { OperatorUser } from '../types.js';
import { ok } from '../api.js';
import { ErrorBox, when } from '../components.js';
import { useApi } from '../context.js';
import { linkProps } from '../router.js';
import { Pager, useCursorPages } from '../paging.js';

type User = OperatorUser;
const PAGE_SIZE = 25;

/** Search as you type; every filter and page is done by the server (GET /operator/users), so a million users is fine. */
export function Users() {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [deleted, setDeleted] = useState<'' | 'true' | 'false'>('');
  const pages = useCursorPages();
  const [page, setPage] = useState<{ users: User[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const { cursor, reset } = pages;

  useEffect(() => reset(), [query, deleted]);
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      const q = query.trim();
      ok(
        api.GET('/operator/users', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(q ? { q } : {}),
              ...(deleted ? { deleted: deleted === 'true' } : {}),
              ...(cursor ? { cursor } : {}),
            },
          },
        }),
      ).then(
        (answer) => current && (setPage({ users: answer.users, next: answer.next_cursor }), setError(null)),
        (caught: unknown) => current && setError(caught),
      );
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, query, deleted, cursor]);

  return (
    <>
      <h1>Users</h1>
      <div className="filters" role="search">
        <label>
          Search
          <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Email, username or name" />
        </label>
        <label htmlFor="users-show">Show</label>
        <select id="users-show" value={deleted} onChange={(e) => setDeleted(e.target.value as typeof deleted)}>
          <option value="">All users</option>
          <option value="false">Active users</option>
          <option value="true">Deleted users</option>
        </select>
      </div>
      <ErrorBox error={error} />
      <table>
        <caption className="visually-hidden">Users matching the search</caption>
        <thead>
          <tr>
            <th scope="col">Email</th>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {page?.users.map((user) => (
            <tr key={user.user_id}>
              <td>
                <a {...linkProps(`/users/${user.user_id}`)}>{user.email}</a>
              </td>
              <td>{user.username}</td>
              <td>{`${user.first_name} ${user.last_name}`.trim()}</td>
              <td>
                {[user.deleted_at ? 'deleted' : 'active', user.operator ? 'operator' : '', user.otp_enabled ? 'TOTP' : '']
                  .filter(Boolean)
                  .join(', ')}
              </td>
              <td>{when(user.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page && page.users.length === 0 && <p>No users match.</p>}
      <Pager pages={pages} nextCursor={page?.next} />
    </>
  );
}
