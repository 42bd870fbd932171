import { useCallback, useEffect, useState } from 'react';
import { ok } from '../api.js';
import { ErrorBox, Notice, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import type { SessionInfo } from '../types.js';

/** A user's live sessions (newest first, the first 50), each revocable, or all at once. */
export function UserSessions({ userId }: { userId: string }) {
  const api = useApi();
  const [sessions, setSessions] = useState<SessionInfo[]>([]);
  const [notice, setNotice] = useState('');
  const { error, run } = useAction();
  const path = { userid: userId };

  const load = useCallback(
    () =>
      run(async () =>
        setSessions((await ok(api.GET('/operator/users/{userid}/sessions', { params: { path, query: { active: true } } }))).sessions),
      ),
    [api, userId],
  );
  useEffect(() => void load(), [load]);

  const revoke = (sessionId: string | null) =>
    void run(async () => {
      if (sessionId) {
        await ok(api.DELETE('/operator/users/{userid}/sessions/{sessionid}', { params: { path: { ...path, sessionid: sessionId } } }));
        setNotice('Session revoked');
      } else {
        const answer = await ok(api.DELETE('/operator/users/{userid}/sessions', { params: { path } }));
        setNotice(`${answer.revoked_sessions} session(s) revoked`);
      }
      await load();
    });

  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">Active sessions</h2>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBox error={error} />
      {sessions.length === 0 ? (
        <p>No active sessions.</p>
      ) : (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Signed in</th>
                <th scope="col">App</th>
                <th scope="col">Address</th>
                <th scope="col">Browser</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <tr key={session.session_id}>
                  <td>{when(session.created_at)}</td>
                  <td>{session.app_id ?? '—'}</td>
                  <td>{session.ip ?? '—'}</td>
                  <td className="clip">{session.user_agent ?? '—'}</td>
                  <td>
                    <button
                      type="button"
                      onClick={() => revoke(session.session_id)}
                      aria-label={`Revoke session from ${when(session.created_at)}`}
                    >
                      Revoke
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className="danger" onClick={() => revoke(null)}>
            Revoke all sessions
          </button>
        </>
      )}
    </section>
  );
}
