import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ErrorBox, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import { linkProps } from '../router.js';
import type { AppSummary } from '../types.js';

/** Every app (there are few), and registering a new one. */
export function Apps() {
  const api = useApi();
  const [apps, setApps] = useState<AppSummary[]>([]);
  const { error, run } = useAction();
  const load = useCallback(() => run(async () => setApps((await ok(api.GET('/app/all'))).apps)), [api]);
  useEffect(() => void load(), [load]);

  return (
    <>
      <h1>Apps</h1>
      <ErrorBox error={error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Id</th>
            <th scope="col">Description</th>
            <th scope="col">Domains</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {apps.map((app) => (
            <tr key={app.app_id}>
              <td>
                <a {...linkProps(`/apps/${app.app_id}`)}>{app.app}</a>
              </td>
              <td>{app.app_id}</td>
              <td>{app.description}</td>
              <td>{app.domains.join(', ') || '—'}</td>
              <td>{when(app.created_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {apps.length === 0 && <p>No apps yet.</p>}
      <RegisterApp onRegistered={() => void load()} />
    </>
  );
}

function RegisterApp({ onRegistered }: { onRegistered: () => void }) {
  const api = useApi();
  const [fields, setFields] = useState<AppFieldValues>(EMPTY_APP);
  const [created, setCreated] = useState<{ app: string; key: string } | null>(null);
  const { error, busy, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run(async () => {
      const answer = await ok(api.POST('/operator/app/register', { body: appBody(fields) }));
      setCreated({ app: answer.app.app, key: answer.api_key });
      setFields(EMPTY_APP);
      onRegistered();
    });
  };

  return (
    <section aria-labelledby="register-heading">
      <h2 id="register-heading">Register an app</h2>
      <form onSubmit={submit}>
        <AppFields values={fields} onChange={setFields} />
        <button type="submit" disabled={busy}>
          Register app
        </button>
      </form>
      <ErrorBox error={error} />
      {created && <SecretOnce label={`API key of ${created.app}`} secret={created.key} />}
    </section>
  );
}

export interface AppFieldValues {
  name: string;
  description: string;
  /** Comma- or space-separated. */
  domains: string;
}
const EMPTY_APP: AppFieldValues = { name: '', description: '', domains: '' };

/** The body of POST /operator/app/register and PATCH /operator/app/{appid}. */
export function appBody({ name, description, domains }: AppFieldValues) {
  const list = domains
    .split(/[\s,]+/)
    .map((domain) => domain.trim())
    .filter(Boolean);
  return { app: name, description, domains: list };
}

/** An app's name, description and domains: the fields of registering and of editing. */
export function AppFields({ values, onChange }: { values: AppFieldValues; onChange: (values: AppFieldValues) => void }) {
  const field = (key: keyof AppFieldValues) => ({
    value: values[key],
    onChange: (e: { target: { value: string } }) => onChange({ ...values, [key]: e.target.value }),
  });
  return (
    <>
      <label>
        Name
        <input required {...field('name')} />
      </label>
      <label>
        Description
        <input {...field('description')} />
      </label>
      <label>
        Domains (comma-separated)
        <input {...field('domains')} placeholder="notes.example.com" />
      </label>
    </>
  );
}

/** A secret the server shows this once (an API key, a webhook's signing secret), with a copy button. */
export function SecretOnce({
  label,
  secret,
  stored = 'only its hash is stored',
  copy = 'Copy key',
}: {
  label: string;
  secret: string;
  /** How the server keeps it. */
  stored?: string;
  copy?: string;
}) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="secret" role="status">
      <p>
        <strong>{label}</strong>: shown this once. Copy it now; {stored}.
      </p>
      <code aria-label={label}>{secret}</code>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard.writeText(secret).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copy}
      </button>
      {copied && <span className="copied"> Copied</span>}
    </div>
  );
}
