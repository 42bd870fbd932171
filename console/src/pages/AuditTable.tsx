import type { AuditEvent } from '../types.js';
import { when } from '../components.js';
import { linkProps } from '../router.js';

/** Audit events, newest first, with links to the users they name. */
export function AuditTable({ events, caption }: { events: AuditEvent[]; caption: string }) {
  return (
    <table>
      <caption className="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Action</th>
          <th scope="col">Actor</th>
          <th scope="col">Target</th>
          <th scope="col">App</th>
          <th scope="col">Detail</th>
        </tr>
      </thead>
      <tbody>
        {events.map((event) => (
          <tr key={event.event_id}>
            <td>{when(event.occurred_at)}</td>
            <td>
              <code>{event.action}</code>
            </td>
            <td>{userLink(event.actor_user_id)}</td>
            <td>{userLink(event.target_user_id)}</td>
            <td>{event.app_id ?? '—'}</td>
            <td className="clip">{Object.keys(event.detail).length ? JSON.stringify(event.detail) : ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function userLink(userId: string | null) {
  return userId ? <a {...linkProps(`/users/${userId}`)}>{userId.slice(0, 8)}…</a> : '—';
}
