import type { Middleware } from 'openapi-fetch';
import { SentinelError } from './errors.js';
import type { Session } from './types.js';

/** Routes that take their credentials in the body: a 401 there is about those, never about an expired access token. */
const CREDENTIAL_PATHS = new Set([
  '/auth/register',
  '/auth/login',
  '/auth/verify-otp',
  '/auth/refresh',
  '/auth/passkeys/login/options',
  '/auth/passkeys/login/verify',
]);

/** A full session, or only an access token (a backend acting for the user whose token it was sent). */
export type Held = Session | { token: string };

export interface SessionKeeperOptions {
  initial: Held | null;
  onChange: (session: Session | null) => void;
  /** Exchanges a refresh token for a new session (POST /auth/refresh). */
  exchange: (refreshToken: string) => Promise<Session>;
  fetch: (request: Request) => Promise<Response>;
  apiKey: string | undefined;
}

/**
 * Holds the session and puts it on requests. An access token refused with 401 is refreshed
 * once and the request sent again; callers that meet the 401 while a refresh is running
 * wait for that one, so a burst of expired requests spends one refresh token, not several
 * (a second use of a spent refresh token would end the session).
 */
export class SessionKeeper {
  private current: Held | null;
  private refreshing: Promise<Session> | undefined;

  constructor(private readonly options: SessionKeeperOptions) {
    this.current = options.initial;
  }

  get session(): Session | null {
    return this.current && 'refresh_token' in this.current ? this.current : null;
  }

  set(session: Session | null): void {
    this.current = session;
    this.options.onChange(session);
  }

  refresh(): Promise<Session> {
    this.refreshing ??= this.exchange().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  middleware(): Middleware {
    const sent = new Map<string, { retry: Request; token: string }>();
    return {
      onRequest: ({ request, schemaPath, id }) => {
        if (this.options.apiKey !== undefined) request.headers.set('X-API-KEY', this.options.apiKey);
        const token = this.current?.token;
        if (token === undefined || CREDENTIAL_PATHS.has(schemaPath) || request.headers.has('authorization')) return request;
        request.headers.set('Authorization', `Bearer ${token}`);
        sent.set(id, { retry: request.clone(), token });
        return request;
      },
      onResponse: async ({ response, id }) => {
        const request = sent.get(id);
        sent.delete(id);
        if (!request || response.status !== 401) return undefined;
        let token: string;
        try {
          // Another caller may have refreshed since this request left: use its token.
          token = this.current && this.current.token !== request.token ? this.current.token : (await this.refresh()).token;
        } catch {
          return undefined; // The refresh failed: the 401 stands.
        }
        await response.body?.cancel();
        request.retry.headers.set('Authorization', `Bearer ${token}`);
        return this.options.fetch(request.retry);
      },
      onError: ({ id }) => {
        sent.delete(id);
        return undefined;
      },
    };
  }

  private async exchange(): Promise<Session> {
    const refreshToken = this.session?.refresh_token;
    if (refreshToken === undefined) {
      throw new SentinelError({
        type: 'urn:sentinel:problem:unauthorized',
        title: 'Not logged in',
        status: 401,
        detail: 'There is no session to refresh',
      });
    }
    try {
      const session = await this.options.exchange(refreshToken);
      this.set(session);
      return session;
    } catch (error) {
      // A refused refresh token means the session has ended (logged out, revoked, or expired).
      if (error instanceof SentinelError && error.status === 401) this.set(null);
      throw error;
    }
  }
}
