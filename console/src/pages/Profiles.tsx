import { useEffect, useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ErrorBox, when } from '../components.js';
import { useApi } from '../context.js';
import { Pager, useCursorPages } from '../paging.js';
import { linkProps } from '../router.js';
import type { AppSummary, Profile } from '../types.js';

const PAGE_SIZE = 25;

/** One app's profiles whose data contains a JSON object (PostgreSQL @>), searched and paged by the server. */
export function Profiles() {
  const api = useApi();
  const [apps, setApps] = useState<AppSummary[]>([]);
  const [appId, setAppId] = useState('');
  const [contains, setContains] = useState('');
  // The search that runs: set on submit, so typing does not send half-written JSON.
  const [search, setSearch] = useState<{ appId: number; contains: string } | null>(null);
  const [page, setPage] = useState<{ profiles: Profile[]; next: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const pages = useCursorPages();

  useEffect(() => {
    ok(api.GET('/app/all')).then(
      (answer) => {
        setApps(answer.apps);
        setAppId((current) => current || String(answer.apps[0]?.app_id ?? ''));
      },
      (caught: unknown) => setError(caught),
    );
  }, [api]);

  useEffect(() => {
    if (!search) return;
    let current = true;
    ok(
      api.GET('/operator/profiles', {
        params: {
          query: {
            app_id: search.appId,
            limit: PAGE_SIZE,
            ...(search.contains ? { contains: search.contains } : {}),
            ...(pages.cursor ? { cursor: pages.cursor } : {}),
          },
        },
      }),
    ).then(
      (answer) => current && (setPage({ profiles: answer.profiles, next: answer.next_cursor }), setError(null)),
      (caught: unknown) => current && (setPage(null), setError(caught)),
    );
    return () => {
      current = false;
    };
  }, [api, search, pages.cursor]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const text = contains.trim();
    if (text) {
      try {
        JSON.parse(text);
      } catch (caught) {
        setError(new Error(`Not valid JSON: ${(caught as Error).message}`));
        return;
      }
    }
    pages.reset();
    setSearch({ appId: Number(appId), contains: text });
  };

  return (
    <>
      <h1>Profiles</h1>
      <form onSubmit={submit} role="search" aria-label="Profiles">
        <label htmlFor="profiles-app">App</label>
        <select id="profiles-app" required value={appId} onChange={(e) => setAppId(e.target.value)}>
          {apps.map((app) => (
            <option key={app.app_id} value={app.app_id}>
              {app.app} ({app.app_id})
            </option>
          ))}
        </select>
        <label htmlFor="profiles-contains">Profile data contains (a JSON object; empty for every profile)</label>
        <textarea
          id="profiles-contains"
          rows={3}
          spellCheck={false}
          value={contains}
          onChange={(e) => setContains(e.target.value)}
          placeholder='{"plan": "pro"}'
        />
        <div className="actions">
          <button type="submit" disabled={!appId}>
            Search profiles
          </button>
        </div>
      </form>
      <ErrorBox error={error} />
      {page && (
        <>
          <table>
            <caption className="visually-hidden">Profiles matching the search</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Profile data</th>
                <th scope="col">Version</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {page.profiles.map((profile) => (
                <tr key={profile.profile_id}>
                  <td>
                    <a {...linkProps(`/users/${profile.user_id}`)} aria-label={`User ${profile.user_id}`}>
                      <code>{profile.user_id}</code>
                    </a>
                  </td>
                  <td className="clip">
                    <code>{JSON.stringify(profile.profile_data)}</code>
                  </td>
                  <td>{profile.version}</td>
                  <td>{when(profile.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {page.profiles.length === 0 && <p>No profiles match.</p>}
          <Pager pages={pages} nextCursor={page.next} />
        </>
      )}
    </>
  );
}
