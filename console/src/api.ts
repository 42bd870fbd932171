import { call, createSentinelClient, SentinelError, type SentinelClient, type Session } from '@sentinel/client';

/** Awaits a typed request: its data on success, a SentinelError (with the problem document) otherwise. */
export async function ok<T>(request: Parameters<typeof call<T>>[0]): Promise<T> {
  return (await call(request)).data;
}

/** A line for the operator: the server's detail, and each field it names. */
export function describeError(error: unknown): string {
  if (error instanceof SentinelError) {
    const fields = (error.problem.errors ?? []).map((item) => `${item.path || '(root)'} ${item.message}`);
    return [error.message, ...fields].join('\n');
  }
  return error instanceof Error ? error.message : String(error);
}

export const baseUrl = (): string => window.location.origin;

/** Signing in needs no API key (POST /operator/login): a client without a session does it. */
export const anonymous = (): SentinelClient => createSentinelClient({ baseUrl: baseUrl() });

/**
 * The client of a signed-in operator. The session lives in memory only (this closure): a
 * reload signs out. A 401 refreshes it once with the refresh token; a refused refresh drops it.
 */
export function signedIn(session: Session, onChange: (session: Session | null) => void): SentinelClient {
  return createSentinelClient({ baseUrl: baseUrl(), session, onSessionChange: onChange });
}

export type Api = SentinelClient['raw'];
export { SentinelError };
