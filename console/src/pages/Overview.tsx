import { useEffect, useState } from 'react';
import { ok } from '../api.js';
import { ErrorBox, useAction } from '../components.js';
import { useApi } from '../context.js';
import { linkProps } from '../router.js';
import type { AuditEvent } from '../types.js';
import { AuditTable } from './AuditTable.js';

/** The start page: the latest audit events, with a way to the rest. */
export function Overview() {
  const api = useApi();
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const { error, run } = useAction();
  useEffect(() => {
    void run(async () => setEvents((await ok(api.GET('/operator/audit', { params: { query: { limit: 10 } } }))).events));
  }, [api]);
  return (
    <>
      <h1>Overview</h1>
      <ErrorBox error={error} />
      <section aria-labelledby="recent-heading">
        <h2 id="recent-heading">Recent audit events</h2>
        <AuditTable events={events} caption="The ten latest audit events" />
        <p>
          <a {...linkProps('/audit')}>All audit events</a>
        </p>
      </section>
    </>
  );
}
