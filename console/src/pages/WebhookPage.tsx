import { useCallback, useEffect, useState } from 'react';
import { ok } from '../api.js';
import { ErrorBox, Notice, useAction, when } from '../components.js';
import { useApi } from '../context.js';
import { Pager, useCursorPages } from '../paging.js';
import { linkProps } from '../router.js';
import type { Webhook, WebhookDelivery } from '../types.js';

const PAGE_SIZE = 25;

/** One webhook: its deliveries (newest first, page by page), each with its attempts, and a retry. */
export function WebhookPage({ webhookId }: { webhookId: string }) {
  const api = useApi();
  const [webhook, setWebhook] = useState<Webhook | null>(null);
  const [page, setPage] = useState<{ deliveries: WebhookDelivery[]; next: string | null } | null>(null);
  const [notice, setNotice] = useState('');
  const pages = useCursorPages();
  const { error, run } = useAction();
  const path = { id: webhookId };

  const load = useCallback(
    () =>
      run(async () => {
        const [one, list] = await Promise.all([
          ok(api.GET('/operator/webhooks/{id}', { params: { path } })),
          ok(
            api.GET('/operator/webhooks/{id}/deliveries', {
              params: { path, query: { limit: PAGE_SIZE, ...(pages.cursor ? { cursor: pages.cursor } : {}) } },
            }),
          ),
        ]);
        setWebhook(one.webhook);
        setPage({ deliveries: list.deliveries, next: list.next_cursor });
      }),
    [api, webhookId, pages.cursor],
  );
  useEffect(() => void load(), [load]);

  const retry = (delivery: WebhookDelivery) =>
    void run(async () => {
      setNotice('');
      await ok(
        api.POST('/operator/webhooks/{id}/deliveries/{delivery_id}/retry', {
          params: { path: { id: webhookId, delivery_id: delivery.delivery_id } },
        }),
      );
      setNotice(`Delivery ${delivery.delivery_id} queued again`);
      await load();
    });

  return (
    <>
      <p>
        <a {...linkProps('/webhooks')}>All webhooks</a>
      </p>
      <h1>Webhook deliveries</h1>
      {webhook && (
        <dl className="facts">
          <dt>URL</dt>
          <dd>{webhook.url}</dd>
          <dt>Events</dt>
          <dd>{webhook.events.join(', ')}</dd>
          <dt>Status</dt>
          <dd>{webhook.enabled ? 'enabled' : 'disabled'}</dd>
        </dl>
      )}
      <ErrorBox error={error} />
      {notice && <Notice>{notice}</Notice>}
      <div className="actions">
        <button type="button" onClick={() => void load()}>
          Refresh
        </button>
      </div>
      <table>
        <caption className="visually-hidden">Deliveries of this webhook, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Id</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Attempts</th>
            <th scope="col">Created</th>
            <th scope="col">Next attempt</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {page?.deliveries.map((delivery) => (
            <tr key={delivery.delivery_id}>
              <td>{delivery.delivery_id}</td>
              <td>{delivery.event_type}</td>
              <td>{delivery.status}</td>
              <td>
                {delivery.attempts.length === 0 ? (
                  'none yet'
                ) : (
                  <ol className="attempts">
                    {delivery.attempts.map((attempt) => (
                      <li key={attempt.attempted_at}>
                        {when(attempt.attempted_at)}: {attempt.status_code ?? attempt.error ?? 'no answer'} ({attempt.duration_ms} ms)
                      </li>
                    ))}
                  </ol>
                )}
              </td>
              <td>{when(delivery.created_at)}</td>
              <td>{when(delivery.next_attempt_at)}</td>
              <td>
                <button type="button" onClick={() => retry(delivery)} aria-label={`Retry delivery ${delivery.delivery_id}`}>
                  Retry
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {page?.deliveries.length === 0 && <p>No deliveries yet.</p>}
      <Pager pages={pages} nextCursor={page?.next} />
    </>
  );
}
