import { SentinelError } from './errors.js';

/** What openapi-fetch answers for one request. */
interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** Awaits an openapi-fetch request: the data of a success, a SentinelError for anything else. */
export async function call<T>(request: Promise<Outcome<T>>): Promise<{ data: T; response: Response }> {
  let outcome: Outcome<T>;
  try {
    outcome = await request;
  } catch (error) {
    throw error instanceof SentinelError ? error : SentinelError.network(error);
  }
  if (!outcome.response.ok) throw SentinelError.fromAnswer(outcome.response.status, outcome.error);
  return { data: outcome.data as T, response: outcome.response };
}
