import createClient, { type Client } from 'openapi-fetch';
import { call } from './call.js';
import type { paths } from './generated/openapi.js';
import { operatorApi } from './operator.js';
import { passkeysApi } from './passkeys.js';
import { profilesApi } from './profiles.js';
import { SessionKeeper } from './session.js';
import type { Answer, LoginInput, LoginResult, RegisterInput, Session, User } from './types.js';

export interface SentinelClientOptions {
  /** Where Sentinel answers, e.g. `https://id.example.com`. */
  baseUrl: string;
  /** The app's API key (or the bootstrap key), sent as X-API-KEY. */
  apiKey?: string;
  /** A session to start with, e.g. one saved by `onSessionChange`. */
  session?: Session | null;
  /**
   * Only an access token, for a backend acting for the user who sent it (no refresh: an
   * expired token is a 401 SentinelError). Ignored when `session` is given.
   */
  accessToken?: string;
  /** Called after every login, refresh and logout; save the session here to keep it across page loads. */
  onSessionChange?: (session: Session | null) => void;
  /** A fetch of your own (tests, proxies); the global fetch otherwise. */
  fetch?: (request: Request) => Promise<Response>;
}

export type SentinelClient = ReturnType<typeof createSentinelClient>;

/**
 * A client for one Sentinel server. Fetch only, so it runs in Node 20 and in browsers.
 * Every failure is a SentinelError carrying the server's problem document.
 */
export function createSentinelClient(options: SentinelClientOptions) {
  const fetchImpl = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const api: Client<paths> = createClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch: fetchImpl });
  const keeper = new SessionKeeper({
    initial: options.session ?? (options.accessToken === undefined ? null : { token: options.accessToken }),
    onChange: options.onSessionChange ?? (() => {}),
    exchange: async (refreshToken) => (await call(api.POST('/auth/refresh', { body: { refresh_token: refreshToken } }))).data,
    fetch: fetchImpl,
    apiKey: options.apiKey,
  });
  api.use(keeper.middleware());

  const started = (session: Session): Session => {
    keeper.set(session);
    return session;
  };

  return {
    /** The typed openapi-fetch client underneath, for any route: it carries the session and refreshes it too. */
    raw: api,
    get session(): Session | null {
      return keeper.session;
    },
    async register(input: RegisterInput): Promise<User> {
      return (await call(api.POST('/auth/register', { body: input }))).data.user;
    },
    /** Logs in; with TOTP on, answers `otp_required` and the token to pass to verifyOtp with a code. */
    async login(input: LoginInput): Promise<LoginResult> {
      const { data } = await call(api.POST('/auth/login', { body: input }));
      if ('otp_required' in data) return { kind: 'otp_required', otpToken: data.otp_token };
      return { kind: 'session', session: started(data) };
    },
    /** The second step of a TOTP login: a code from the authenticator, or an unused recovery code. */
    async verifyOtp(otpToken: string, code: string): Promise<Session> {
      return started((await call(api.POST('/auth/verify-otp', { body: { otp_token: otpToken, code } }))).data);
    },
    /** Exchanges the refresh token now; requests refused with 401 do this on their own. */
    refresh(): Promise<Session> {
      return keeper.refresh();
    },
    /** Ends the session on the server (its tokens stop working at once) and forgets it here. */
    async logout(): Promise<void> {
      if (!keeper.session && options.accessToken === undefined) return;
      try {
        await call(api.GET('/auth/logout'));
      } finally {
        keeper.set(null);
      }
    },
    /** The logged-in user, checked by the server (GET /auth/verify). */
    async me(): Promise<User> {
      return (await call(api.GET('/auth/verify'))).data.user;
    },
    /** Everything Sentinel holds about the logged-in user, as one JSON document. */
    async export(): Promise<Answer<'exportOwnData', 200>> {
      return (await call(api.GET('/user/export'))).data;
    },
    profiles: profilesApi(api),
    passkeys: passkeysApi(api, started),
    operator: operatorApi(api),
  };
}
