import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ErrorBox, Notice, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import type { Answer } from '../types.js';
import { AppFields, appBody, SecretOnce, type AppFieldValues } from './Apps.js';

type App = Answer<'getApp', 200>['app'];
type Key = Answer<'listAppKeys', 200>['keys'][number];

/** One app: its name, description and domains, its API keys, and its profile JSON Schema. */
export function AppPage({ appId }: { appId: number }) {
  const api = useApi();
  const [app, setApp] = useState<App | null>(null);
  const { error, run } = useAction();
  const load = useCallback(
    () => run(async () => setApp((await ok(api.GET('/operator/app/{appid}', { params: { path: { appid: appId } } }))).app)),
    [api, appId],
  );
  useEffect(() => void load(), [load]);
  if (!app) return <ErrorBox error={error} />;
  return (
    <>
      <h1>App {app.app}</h1>
      <EditApp app={app} onSaved={setApp} />
      <Keys appId={appId} />
      <SchemaEditor appId={appId} />
    </>
  );
}

function EditApp({ app, onSaved }: { app: App; onSaved: (app: App) => void }) {
  const api = useApi();
  const [fields, setFields] = useState<AppFieldValues>({ name: app.app, description: app.description, domains: app.domains.join(', ') });
  const [saved, setSaved] = useState(false);
  const { error, busy, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSaved(false);
    void run(async () => {
      const answer = await ok(
        api.PATCH('/operator/app/{appid}', {
          params: { path: { appid: app.app_id } },
          body: appBody(fields),
        }),
      );
      onSaved({ ...app, ...answer.app });
      setSaved(true);
    });
  };
  return (
    <section aria-labelledby="edit-heading">
      <h2 id="edit-heading">Details</h2>
      <form onSubmit={submit}>
        <AppFields values={fields} onChange={setFields} />
        <button type="submit" disabled={busy}>
          Save app
        </button>
      </form>
      {saved && <Notice>App saved</Notice>}
      <ErrorBox error={error} />
    </section>
  );
}

function Keys({ appId }: { appId: number }) {
  const api = useApi();
  const [keys, setKeys] = useState<Key[]>([]);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const { error, run } = useAction();
  const path = { appid: appId };
  const load = useCallback(
    () => run(async () => setKeys((await ok(api.GET('/operator/app/{appid}/keys', { params: { path } }))).keys)),
    [api, appId],
  );
  useEffect(() => void load(), [load]);

  const create = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      setCreated((await ok(api.POST('/operator/app/{appid}/keys', { params: { path }, body: { name } }))).api_key);
      setName('');
      await load();
    });
  };
  const revoke = (key: Key) =>
    window.confirm(`Revoke key ${key.prefix}…? Requests with it fail at once.`) &&
    void run(async () => {
      await ok(api.DELETE('/operator/app/{appid}/keys/{keyid}', { params: { path: { ...path, keyid: key.key_id } } }));
      await load();
    });

  return (
    <section aria-labelledby="keys-heading">
      <h2 id="keys-heading">API keys</h2>
      <ErrorBox error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Starts with</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.key_id}>
              <td>{key.name || '—'}</td>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td>{when(key.created_at)}</td>
              <td>{when(key.last_used_at)}</td>
              <td>
                {key.revoked_at ? (
                  `Revoked ${when(key.revoked_at)}`
                ) : (
                  <button type="button" className="danger" onClick={() => revoke(key)} aria-label={`Revoke key ${key.prefix}`}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form onSubmit={create} className="inline">
        <label>
          New key name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="production" />
        </label>
        <button type="submit">Create key</button>
      </form>
      {created && <SecretOnce label="New API key" secret={created} />}
    </section>
  );
}

/** The app's profile JSON Schema: the server refuses a schema that is not valid draft 2020-12 (422, errors[] says where). */
function SchemaEditor({ appId }: { appId: number }) {
  const api = useApi();
  const [text, setText] = useState('');
  const [saved, setSaved] = useState('');
  const { error, busy, run, setError } = useAction();
  const path = { appid: appId };
  useEffect(() => {
    void run(async () => {
      const answer = await ok(api.GET('/operator/app/{appid}/schema', { params: { path } }));
      setText(answer.schema === null ? '' : JSON.stringify(answer.schema, null, 2));
    });
  }, [api, appId]);

  const save = () => {
    setSaved('');
    if (text.trim() === '') {
      void run(async () => {
        await ok(api.DELETE('/operator/app/{appid}/schema', { params: { path } }));
        setSaved('Schema removed: profile writes are no longer checked');
      });
      return;
    }
    let schema: Record<string, unknown>;
    try {
      schema = JSON.parse(text) as Record<string, unknown>;
    } catch (caught) {
      setError(new Error(`Not valid JSON: ${(caught as Error).message}`));
      return;
    }
    void run(async () => {
      await ok(api.PUT('/operator/app/{appid}/schema', { params: { path }, body: { schema } }));
      setSaved('Schema saved: every profile write of this app is checked against it');
    });
  };

  return (
    <section aria-labelledby="schema-heading">
      <h2 id="schema-heading">Profile schema</h2>
      <label htmlFor="schema-text">JSON Schema (draft 2020-12); empty for none</label>
      <textarea id="schema-text" rows={14} spellCheck={false} value={text} onChange={(e) => setText(e.target.value)} />
      <div className="actions">
        <button type="button" onClick={save} disabled={busy}>
          Save schema
        </button>
      </div>
      {saved && <Notice>{saved}</Notice>}
      <ErrorBox error={error} />
    </section>
  );
}
