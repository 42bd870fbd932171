import { useEffect, useState } from 'react';
import { ok } from '../api.js';
import { ErrorBox, useAction } from '../components.js';
import { useApi } from '../context.js';
import { linkProps } from '../router.js';
import type { Answer, AuditEvent } from '../types.js';
import { AuditTable } from './AuditTable.js';

type Figures = Answer<'operatorOverview', 200>;
const DAYS = 14;

/** The start page: counts of accounts and apps, logins over the last two weeks, the latest audit events. */
export function Overview() {
  const api = useApi();
  const [figures, setFigures] = useState<Figures | null>(null);
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const { error, run } = useAction();
  useEffect(() => {
    void run(async () => {
      const [overview, audit] = await Promise.all([
        ok(api.GET('/operator/overview', { params: { query: { days: DAYS } } })),
        ok(api.GET('/operator/audit', { params: { query: { limit: 10 } } })),
      ]);
      setFigures(overview);
      setEvents(audit.events);
    });
  }, [api]);
  return (
    <>
      <h1>Overview</h1>
      <ErrorBox error={error} />
      {figures && (
        <>
          <ul className="figures" aria-label="Counts">
            <li>
              <strong>{figures.users.active.toLocaleString()}</strong> active users
            </li>
            <li>
              <strong>{figures.users.deleted.toLocaleString()}</strong> deleted users
            </li>
            <li>
              <strong>{figures.users.operators.toLocaleString()}</strong> operators
            </li>
            <li>
              <strong>{figures.apps.toLocaleString()}</strong> apps
            </li>
          </ul>
          <LoginChart days={figures.days} />
        </>
      )}
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

/** Bars per day (SVG, no inline style under the page's policy), with the same figures as a table for screen readers. */
function LoginChart({ days }: { days: Figures['days'] }) {
  const max = Math.max(1, ...days.map((day) => day.logins_succeeded + day.logins_failed));
  const width = 36;
  const height = 120;
  const total = days.reduce((sum, day) => sum + day.logins_succeeded, 0);
  const failed = days.reduce((sum, day) => sum + day.logins_failed, 0);
  return (
    <section aria-labelledby="logins-heading">
      <h2 id="logins-heading">Sign-ins, last {days.length} days</h2>
      <p>
        {total.toLocaleString()} successful, {failed.toLocaleString()} failed.
      </p>
      <svg className="chart" width={days.length * width} height={height + 20} aria-hidden="true">
        {days.map((day, index) => {
          const ok = (day.logins_succeeded / max) * height;
          const bad = (day.logins_failed / max) * height;
          return (
            <g key={day.day} transform={`translate(${index * width + 4},0)`}>
              <rect className="bar-ok" y={height - ok - bad} width={width - 8} height={ok} />
              <rect className="bar-failed" y={height - bad} width={width - 8} height={bad} />
              <text x={(width - 8) / 2} y={height + 14} textAnchor="middle">
                {day.day.slice(8)}
              </text>
            </g>
          );
        })}
      </svg>
      <p className="legend">
        <span className="key-ok">■</span> successful <span className="key-failed">■</span> failed
      </p>
      <table className="visually-hidden">
        <caption>Sign-ins per day</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Successful</th>
            <th scope="col">Failed</th>
          </tr>
        </thead>
        <tbody>
          {days.map((day) => (
            <tr key={day.day}>
              <td>{day.day}</td>
              <td>{day.logins_succeeded}</td>
              <td>{day.logins_failed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
