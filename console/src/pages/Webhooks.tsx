import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ok } from '../api.js';
import { ConfirmButton, ErrorBox, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import { linkProps } from '../router.js';
import type { Webhook, WebhookEvents } from '../types.js';
import { SecretOnce } from './Apps.js';

/** Every webhook (an operator keeps a handful), creating one, turning it on or off, deleting it. */
export function Webhooks() {
  const api = useApi();
  const [webhooks, setWebhooks] = useState<Webhook[] | null>(null);
  const { error, run } = useAction();
  const load = useCallback(() => run(async () => setWebhooks((await ok(api.GET('/operator/webhooks'))).webhooks)), [api]);
  useEffect(() => void load(), [load]);

  const setEnabled = (webhook: Webhook, enabled: boolean) =>
    void run(async () => {
      await ok(api.PATCH('/operator/webhooks/{id}', { params: { path: { id: webhook.webhook_id } }, body: { enabled } }));
      await load();
    });
  const remove = (webhook: Webhook) =>
    void run(async () => {
      await ok(api.DELETE('/operator/webhooks/{id}', { params: { path: { id: webhook.webhook_id } } }));
      await load();
    });

  return (
    <>
      <h1>Webhooks</h1>
      <ErrorBox error={error} />
      <table>
        <caption className="visually-hidden">Webhooks</caption>
        <thead>
          <tr>
            <th scope="col">URL</th>
            <th scope="col">Events</th>
            <th scope="col">App</th>
            <th scope="col">Status</th>
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {webhooks?.map((webhook) => (
            <tr key={webhook.webhook_id}>
              <td className="clip">
                <a {...linkProps(`/webhooks/${webhook.webhook_id}`)}>{webhook.url}</a>
              </td>
              <td>{webhook.events.join(', ')}</td>
              <td>{webhook.app_id ?? 'every app'}</td>
              <td>{webhook.enabled ? 'enabled' : 'disabled'}</td>
              <td>{when(webhook.created_at)}</td>
              <td>
                <div className="actions">
                  <button
                    type="button"
                    onClick={() => setEnabled(webhook, !webhook.enabled)}
                    aria-label={`${webhook.enabled ? 'Disable' : 'Enable'} webhook ${webhook.url}`}
                  >
                    {webhook.enabled ? 'Disable' : 'Enable'}
                  </button>
                  <ConfirmButton
                    danger
                    label="Delete"
                    name={`Delete webhook ${webhook.url}`}
                    question={`Delete the webhook to ${webhook.url}? Its deliveries go with it.`}
                    onConfirm={() => remove(webhook)}
                  />
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {webhooks?.length === 0 && <p>No webhooks yet.</p>}
      <CreateWebhook onCreated={() => void load()} />
    </>
  );
}

function CreateWebhook({ onCreated }: { onCreated: () => void }) {
  const api = useApi();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState('*');
  const [appId, setAppId] = useState('');
  const [created, setCreated] = useState<{ url: string; secret: string } | null>(null);
  const { error, busy, run } = useAction();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setCreated(null);
    void run(async () => {
      const body = {
        url: url.trim(),
        events: events.split(/[\s,]+/).filter(Boolean) as WebhookEvents,
        ...(appId.trim() ? { app_id: Number(appId) } : {}),
      };
      const answer = await ok(api.POST('/operator/webhooks', { body }));
      setCreated({ url: answer.webhook.url, secret: answer.secret });
      setUrl('');
      onCreated();
    });
  };

  return (
    <section aria-labelledby="create-webhook-heading">
      <h2 id="create-webhook-heading">Create a webhook</h2>
      <form onSubmit={submit}>
        <label>
          URL
          <input
            type="url"
            required
            value={url}
            onChange={(e) => setUrl(e.target.value)}
            placeholder="https://crm.example.com/hooks/sentinel"
          />
        </label>
        <label>
          Events (comma-separated; * for every event)
          <input required value={events} onChange={(e) => setEvents(e.target.value)} placeholder="user.created, user.deleted" />
        </label>
        <label>
          Only profile events of app id (empty for every app)
          <input inputMode="numeric" pattern="[0-9]*" value={appId} onChange={(e) => setAppId(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Create webhook
        </button>
      </form>
      <ErrorBox error={error} />
      {created && (
        <SecretOnce
          label={`Signing secret of ${created.url}`}
          secret={created.secret}
          stored="the server keeps it encrypted and never shows it again"
          copy="Copy secret"
        />
      )}
    </section>
  );
}
