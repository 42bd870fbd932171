import { useCallback, useEffect, useState } from 'react';
import { ok, SentinelError } from '../api.js';
import { ErrorBox, Notice, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import type { AppSummary, Profile } from '../types.js';

/** A user's profiles in one app at a time, each as formatted JSON that the operator can edit. */
export function UserProfiles({ userId }: { userId: string }) {
  const api = useApi();
  const [apps, setApps] = useState<AppSummary[]>([]);
  const [appId, setAppId] = useState<number | null>(null);
  const [profiles, setProfiles] = useState<Profile[] | null>(null);
  // Kept here: a saved profile's editor is replaced by one of the new version.
  const [saved, setSaved] = useState('');
  const { error, run } = useAction();

  useEffect(() => {
    void run(async () => setApps((await ok(api.GET('/app/all'))).apps));
  }, [api]);

  const load = useCallback(
    (id: number) =>
      run(async () => {
        setProfiles(
          (await ok(api.GET('/operator/users/profile/{userid}/{appid}', { params: { path: { userid: userId, appid: id } } }))).profiles,
        );
      }),
    [api, userId],
  );
  useEffect(() => {
    if (appId !== null) void load(appId);
  }, [appId, load]);

  return (
    <section aria-labelledby="profiles-heading">
      <h2 id="profiles-heading">Profiles</h2>
      <label htmlFor="profile-app">App</label>
      <select id="profile-app" value={appId ?? ''} onChange={(e) => setAppId(e.target.value === '' ? null : Number(e.target.value))}>
        <option value="">Choose an app</option>
        {apps.map((app) => (
          <option key={app.app_id} value={app.app_id}>
            {app.app}
          </option>
        ))}
      </select>
      <ErrorBox error={error} />
      {saved && <Notice>{saved}</Notice>}
      {profiles?.length === 0 && <p>No profiles in this app.</p>}
      {profiles?.map((profile) => (
        <ProfileEditor
          key={`${profile.profile_id}:${profile.version}`}
          profile={profile}
          onReload={() => appId !== null && load(appId)}
          onSaved={(saved) => {
            setProfiles((current) => current?.map((each) => (each.profile_id === saved.profile_id ? saved : each)) ?? null);
            setSaved(`Profile saved (version ${saved.version})`);
          }}
        />
      ))}
    </section>
  );
}

/**
 * Edits one profile. The server checks the data against the app's JSON Schema (422 names each
 * field); the save sends If-Match with the version shown, so a change made meanwhile by someone
 * else is not overwritten (412) and the operator is told what happened.
 */
function ProfileEditor({ profile, onReload, onSaved }: { profile: Profile; onReload: () => void; onSaved: (profile: Profile) => void }) {
  const api = useApi();
  const [text, setText] = useState(() => JSON.stringify(profile.profile_data, null, 2));
  const [stale, setStale] = useState(false);
  const { error, busy, run, setError } = useAction();
  const id = `profile-${profile.profile_id}`;

  const save = () => {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (caught) {
      setError(new Error(`Not valid JSON: ${(caught as Error).message}`));
      return;
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      setError(new Error('Profile data must be a JSON object'));
      return;
    }
    void run(async () => {
      try {
        const answer = await ok(
          api.PUT('/operator/users/profile/{userid}/{appid}/{profile_id}', {
            params: {
              path: { userid: profile.user_id, appid: profile.app_id, profile_id: profile.profile_id },
              header: { 'if-match': `"${profile.version}"` },
            },
            body: { profile_data: data as Record<string, never> },
          }),
        );
        onSaved(answer.profile);
      } catch (caught) {
        if (caught instanceof SentinelError && caught.status === 412) setStale(true);
        else throw caught;
      }
    });
  };

  return (
    <div className="profile">
      <h3 id={`${id}-heading`}>
        Profile {profile.profile_id}{' '}
        <small>
          version {profile.version}, updated {when(profile.updated_at)}
        </small>
      </h3>
      <label htmlFor={id}>Profile data (JSON)</label>
      <textarea
        id={id}
        rows={Math.min(20, text.split('\n').length + 1)}
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="actions">
        <button type="button" onClick={save} disabled={busy}>
          Save profile
        </button>
      </div>
      {stale && (
        <div role="alert" className="error">
          <p>
            Not saved: someone else changed this profile after you opened it (you edited version {profile.version}). Saving would have
            overwritten their change. Reload to see the current data, then make your edit again.
          </p>
          <button type="button" onClick={onReload}>
            Reload profile
          </button>
        </div>
      )}
      <ErrorBox error={error} />
    </div>
  );
}
