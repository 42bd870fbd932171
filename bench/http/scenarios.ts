import type autocannon from 'autocannon';
import { profileData } from '../profile-data.js';
import { PASSWORD, type Seeded } from './seed.js';

/** What one autocannon run sends: a fresh request list per run (they keep counters). */
export type RequestList = () => autocannon.Request[];

/** Every request carries one of many users' tokens, in turn, so no per-user cache or row is always hot. */
function rotating(seeded: Seeded, build: (user: Seeded['tokenUsers'][number], n: number) => Partial<autocannon.Request>): RequestList {
  return () => {
    let n = 0;
    return [
      {
        setupRequest: (request) => {
          const user = seeded.tokenUsers[n % seeded.tokenUsers.length]!;
          n += 1;
          const built = build(user, n);
          return { ...request, ...built, headers: { ...request.headers, authorization: `Bearer ${user.access}`, ...built.headers } };
        },
      },
    ];
  };
}

export function verify(seeded: Seeded): RequestList {
  return rotating(seeded, () => ({ method: 'GET', path: '/auth/verify' }));
}

export function profileList(seeded: Seeded): RequestList {
  return rotating(seeded, () => ({ method: 'GET', path: `/user/profiles/${seeded.readAppId}` }));
}

export function profilePatch(seeded: Seeded): RequestList {
  return rotating(seeded, (user, n) => ({
    method: 'PATCH',
    path: `/user/profiles/${seeded.readAppId}/${user.profileId}`,
    headers: { 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ progress: { xp: n }, last_seen: n }),
  }));
}

export function profileCreate(seeded: Seeded): RequestList {
  return rotating(seeded, (_user, n) => ({
    method: 'POST',
    path: '/user/profiles/create',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ app_id: seeded.writeAppId, profile_data: profileData(n) }),
  }));
}

/** Every seeded user in turn, not only the token users: logins find rows all over the table. */
export function login(seeded: Seeded, apiKey: string): RequestList {
  return () => {
    let n = 0;
    return [
      {
        method: 'POST',
        path: '/auth/login',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
        setupRequest: (request) => {
          n += 1;
          return { ...request, body: JSON.stringify({ email: `bench${1 + (n % seeded.users)}@example.com`, password: PASSWORD }) };
        },
      },
    ];
  };
}

/** Per connection: the refresh token it must send next, and the tokens still unused. */
interface RefreshState {
  token?: string;
}

/**
 * Each refresh token is single-use, so each connection follows its own chain: it sends the
 * token the previous answer gave it. autocannon resets its `context` after every request of
 * a one-request list, so the chain lives in `state`, an object autocannon deep-copies into
 * each connection's own copy of the request (setupRequest sees it through the copy it is
 * handed; onResponse is called as a method of the connection's request). A connection whose
 * chain breaks (an answer lost to a timeout, say) starts over with a fresh session's token.
 */
export function refresh(seeded: Seeded): RequestList {
  const unused = seeded.tokenUsers.map((user) => user.refresh);
  return () => [
    {
      method: 'POST',
      path: '/auth/refresh',
      headers: { 'content-type': 'application/json' },
      state: {} as RefreshState,
      setupRequest: (request) => {
        const state = (request as { state: RefreshState }).state;
        state.token ??= unused.pop();
        if (!state.token) throw new Error('the benchmark ran out of refresh tokens: seed more token users');
        return { ...request, body: JSON.stringify({ refresh_token: state.token }) };
      },
      onResponse(this: { state: RefreshState }, status: number, body: string) {
        this.state.token = status === 200 ? (JSON.parse(body) as { refresh_token: string }).refresh_token : undefined;
      },
    } as autocannon.Request,
  ];
}

/** The same headers as verify's, to a ceiling route that ignores them: same autocannon work per request. */
export function bare(seeded: Seeded): RequestList {
  return rotating(seeded, () => ({ method: 'GET', path: '/bare' }));
}

/** The direct-query ceiling names the user in a header, as the token does for Sentinel. */
export function directQuery(seeded: Seeded): RequestList {
  return rotating(seeded, (user) => ({ method: 'GET', path: `/profiles/${seeded.readAppId}`, headers: { 'x-user-id': user.userId } }));
}
