import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from '@sentinel/client';
import { signedIn } from './api.js';
import { ApiContext } from './context.js';
import { linkProps, usePath } from './router.js';
import { SignIn } from './pages/SignIn.js';
import { Overview } from './pages/Overview.js';
import { Users } from './pages/Users.js';
import { UserPage } from './pages/UserPage.js';
import { Apps } from './pages/Apps.js';
import { AppPage } from './pages/AppPage.js';
import { Audit } from './pages/Audit.js';
import { Import } from './pages/Import.js';
import { Profiles } from './pages/Profiles.js';
import { Webhooks } from './pages/Webhooks.js';
import { WebhookPage } from './pages/WebhookPage.js';
import { Keys } from './pages/Keys.js';

const PAGES = [
  { path: '/', label: 'Overview' },
  { path: '/users', label: 'Users' },
  { path: '/apps', label: 'Apps' },
  { path: '/profiles', label: 'Profiles' },
  { path: '/webhooks', label: 'Webhooks' },
  { path: '/keys', label: 'Signing keys' },
  { path: '/audit', label: 'Audit' },
  { path: '/import', label: 'Import' },
] as const;

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const client = useMemo(() => (session ? signedIn(session, (next) => next === null && setSession(null)) : null), [session]);
  const path = usePath();

  const signOut = useCallback(async () => {
    try {
      await client?.logout();
    } finally {
      setSession(null);
    }
  }, [client]);

  if (!client || !session) return <SignIn onSignedIn={setSession} />;
  return (
    <ApiContext.Provider value={client.raw}>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Sentinel console</span>
        <nav aria-label="Console">
          <ul>
            {PAGES.map((page) => (
              <li key={page.path}>
                <a {...linkProps(page.path)} aria-current={isCurrent(path, page.path) ? 'page' : undefined}>
                  {page.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">{session.user.email}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <Main path={path} />
    </ApiContext.Provider>
  );
}

function isCurrent(path: string, page: string): boolean {
  return page === '/' ? path === '/' : path === page || path.startsWith(`${page}/`);
}

function Main({ path }: { path: string }) {
  const main = useRef<HTMLElement>(null);
  // Move focus to the new page's content, so keyboard and screen-reader users start there.
  useEffect(() => main.current?.focus(), [path]);
  const user = /^\/users\/([0-9a-f-]{36})$/.exec(path);
  let page;
  const app = /^\/apps\/(\d+)$/.exec(path);
  const webhook = /^\/webhooks\/([0-9a-f-]{36})$/.exec(path);
  if (user) page = <UserPage key={user[1]} userId={user[1]!} />;
  else if (app) page = <AppPage key={app[1]} appId={Number(app[1])} />;
  else if (webhook) page = <WebhookPage key={webhook[1]} webhookId={webhook[1]!} />;
  else if (path === '/users') page = <Users />;
  else if (path === '/apps') page = <Apps />;
  else if (path === '/audit') page = <Audit />;
  else if (path === '/import') page = <Import />;
  else if (path === '/profiles') page = <Profiles />;
  else if (path === '/webhooks') page = <Webhooks />;
  else if (path === '/keys') page = <Keys />;
  else page = <Overview />;
  return (
    <main id="main" ref={main} tabIndex={-1}>
      {page}
    </main>
  );
}
