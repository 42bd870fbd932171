import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ConfirmButton, ErrorBox, Notice, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import { navigate } from '../router.js';
import type { OperatorUser } from '../types.js';
import { UserProfiles } from './UserProfiles.js';
import { UserSessions } from './UserSessions.js';

/** One user: their account, what an operator can do to it, their sessions and their profiles per app. */
export function UserPage({ userId }: { userId: string }) {
  const api = useApi();
  const [user, setUser] = useState<OperatorUser | null>(null);
  const [notice, setNotice] = useState('');
  const { error, run } = useAction();
  const path = { params: { path: { userid: userId } } };

  const load = useCallback(() => run(async () => setUser((await ok(api.GET('/operator/users/{userid}', path))).user)), [api, userId]);
  useEffect(() => void load(), [load]);

  const act = (message: string, action: () => Promise<unknown>) =>
    void run(async () => {
      await action();
      setNotice(message);
      await load();
    });

  if (!user) return <ErrorBox error={error} />;
  return (
    <>
      <h1>{user.email}</h1>
      <dl className="facts">
        <dt>User id</dt>
        <dd>{user.user_id}</dd>
        <dt>Username</dt>
        <dd>{user.username}</dd>
        <dt>Name</dt>
        <dd>{`${user.first_name} ${user.last_name}`.trim() || '—'}</dd>
        <dt>Status</dt>
        <dd>{user.deleted_at ? `Deleted ${when(user.deleted_at)}` : 'Active'}</dd>
        <dt>Operator</dt>
        <dd>{user.operator ? 'Yes' : 'No'}</dd>
        <dt>Two-factor (TOTP)</dt>
        <dd>{user.otp_enabled ? 'On' : 'Off'}</dd>
        <dt>Created</dt>
        <dd>{when(user.created_at)}</dd>
      </dl>
      {notice && <Notice>{notice}</Notice>}
      <ErrorBox error={error} />
      <div className="actions">
        {user.deleted_at ? (
          <>
            <button
              type="button"
              onClick={() => act('User restored', () => ok(api.POST('/operator/users/restore', { body: { user_id: userId } })))}
            >
              Restore user
            </button>
            <ConfirmButton
              danger
              label="Purge user"
              question={`Erase ${user.email} and all their data for good? This cannot be undone.`}
              onConfirm={() =>
                void run(async () => {
                  await ok(api.DELETE('/operator/users/{userid}', path));
                  navigate('/users');
                })
              }
            />
          </>
        ) : (
          <>
            <ConfirmButton
              danger
              label="Delete user"
              question={`Delete ${user.email}? Their sessions end; you can restore them later.`}
              onConfirm={() =>
                act('User deleted; their sessions have ended', () =>
                  ok(api.GET('/operator/users/delete/{email}', { params: { path: { email: user.email } } })),
                )
              }
            />
            <button
              type="button"
              onClick={() =>
                act(user.operator ? 'Operator role removed' : 'Operator role granted', () =>
                  ok(api.POST('/operator/userinfo/update', { body: { user_id: userId, operator: !user.operator } })),
                )
              }
            >
              {user.operator ? 'Remove operator role' : 'Make operator'}
            </button>
            {user.otp_enabled && (
              <ConfirmButton
                label="Turn off TOTP"
                question={`Turn off two-factor sign-in for ${user.email}?`}
                onConfirm={() => act('TOTP turned off', () => ok(api.POST('/operator/users/{userid}/otp/disable', path)))}
              />
            )}
          </>
        )}
      </div>
      {!user.deleted_at && <ResetPassword userId={userId} onDone={setNotice} />}
      <UserSessions userId={userId} />
      <UserProfiles userId={userId} />
    </>
  );
}

function ResetPassword({ userId, onDone }: { userId: string; onDone: (message: string) => void }) {
  const api = useApi();
  const [password, setPassword] = useState('');
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const answer = await ok(api.POST('/operator/profile/reset-user-password', { body: { user_id: userId, new_password: password } }));
      setPassword('');
      onDone(`Password reset; ${answer.sessions_ended} session(s) ended`);
    });
  };
  return (
    <section aria-labelledby="reset-heading">
      <h2 id="reset-heading">Reset password</h2>
      <form onSubmit={submit} className="inline">
        <label>
          New password
          <input type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Reset password
        </button>
      </form>
      <ErrorBox error={error} />
    </section>
  );
}
