import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ErrorBox, Notice, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import { linkProps } from '../router.js';
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

type Failure = Answer<'checkProfileSchema', 200>['failures'][number];

/** What checking every existing profile against a candidate schema found. */
interface CheckReport {
  checked: number;
  failing: number;
  /** The first failures, as the server describes them (at most 20 per page it checked). */
  failures: Failure[];
}

const FAILURES_SHOWN = 20;

/**
 * The app's profile JSON Schema. Setting one never re-checks stored profiles, so Save first
 * checks them all (POST .../schema/check, a page at a time) and saves at once only when every
 * one passes; otherwise it shows which fail and asks before saving anyway.
 */
function SchemaEditor({ appId }: { appId: number }) {
  const api = useApi();
  const [text, setText] = useState('');
  const [saved, setSaved] = useState('');
  const [progress, setProgress] = useState('');
  const [report, setReport] = useState<{ schema: Record<string, unknown>; result: CheckReport } | null>(null);
  const { error, busy, run, setError } = useAction();
  const path = { appid: appId };
  useEffect(() => {
    void run(async () => {
      const answer = await ok(api.GET('/operator/app/{appid}/schema', { params: { path } }));
      setText(answer.schema === null ? '' : JSON.stringify(answer.schema, null, 2));
    });
  }, [api, appId]);

  const checkAll = async (schema: Record<string, unknown>): Promise<CheckReport> => {
    const result: CheckReport = { checked: 0, failing: 0, failures: [] };
    let cursor: string | undefined;
    do {
      const page = await ok(api.POST('/operator/app/{appid}/schema/check', { params: { path, query: { cursor } }, body: { schema } }));
      result.checked += page.checked;
      result.failing += page.failing;
      result.failures.push(...page.failures.slice(0, FAILURES_SHOWN - result.failures.length));
      setProgress(`Checked ${result.checked.toLocaleString()} existing profiles…`);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    return result;
  };

  const store = async (schema: Record<string, unknown>) => {
    await ok(api.PUT('/operator/app/{appid}/schema', { params: { path }, body: { schema } }));
    setReport(null);
    setSaved('Schema saved: every profile write of this app is checked against it');
  };

  const save = () => {
    setSaved('');
    setReport(null);
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
      try {
        const result = await checkAll(schema);
        if (result.failing === 0) await store(schema);
        else setReport({ schema, result });
      } finally {
        setProgress('');
      }
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
      {progress && <p role="status">{progress}</p>}
      {report && (
        <SchemaCheckReport
          report={report.result}
          busy={busy}
          onSaveAnyway={() => void run(() => store(report.schema))}
          onCancel={() => setReport(null)}
        />
      )}
      {saved && <Notice>{saved}</Notice>}
      <ErrorBox error={error} />
    </section>
  );
}

/** The profiles a schema would refuse: each links to its user, with what fails in it. */
function SchemaCheckReport({
  report,
  busy,
  onSaveAnyway,
  onCancel,
}: {
  report: CheckReport;
  busy: boolean;
  onSaveAnyway: () => void;
  onCancel: () => void;
}) {
  return (
    <div role="alert" className="check-report" aria-labelledby="check-heading">
      <h3 id="check-heading">
        {report.failing.toLocaleString()} of {report.checked.toLocaleString()} existing profiles do not satisfy this schema
      </h3>
      <p>Saving does not change them, but each of them is refused at its next write until its data fits. The schema was not saved.</p>
      <ul>
        {report.failures.map((failure) => (
          <li key={failure.profile_id}>
            <a {...linkProps(`/users/${failure.user_id}`)}>Profile {failure.profile_id}</a>:{' '}
            {failure.errors.map((item) => `${item.path} ${item.message}`).join('; ')}
          </li>
        ))}
      </ul>
      {report.failing > report.failures.length && <p>…and {(report.failing - report.failures.length).toLocaleString()} more.</p>}
      <div className="actions">
        <button type="button" onClick={onSaveAnyway} disabled={busy}>
          Save anyway
        </button>
        <button type="button" onClick={onCancel} disabled={busy}>
          Keep editing
        </button>
      </div>
    </div>
  );
}
