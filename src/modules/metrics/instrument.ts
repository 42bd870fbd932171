import type { FastifyInstance } from 'fastify';
import { AppError } from '../../http/errors.js';
import { AccountErrors, accountLocked } from '../accounts/errors.js';
import type { Passwords } from '../accounts/passwords.js';
import type { SessionService } from '../accounts/session-service.js';
import { PasskeyErrors } from '../passkeys/errors.js';
import type { PasskeyLoginService } from '../passkeys/login-service.js';
import type { LoginMethod, LoginOutcome, Metrics } from './metrics.js';

/** Label of requests no route matched: their raw paths would make one series per path a scanner tries. */
const UNMATCHED = 'unmatched';

/**
 * Counts and times every answer by route template (`/operator/users/:userid`), never by raw
 * path. A callback hook: on every request, an async one would cost a promise for nothing.
 */
export function installHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const labels = { method: request.method, route: request.routeOptions.url ?? UNMATCHED, status_code: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
}

/**
 * Counts logins by method and outcome where the outcome is decided: SessionService.login and
 * PasskeyLoginService.verify answer a session (or a second-factor challenge), or throw the
 * API's error. Wrapping the instances keeps the login rules free of metrics. The wrappers pass
 * every argument through as it came (`...args`): a wrapper that named them dropped options
 * added later, twice (the console's operatorOnly, the sign-in pages' passkey binding).
 */
export function countLoginOutcomes(sessions: SessionService, passkeys: PasskeyLoginService, metrics: Metrics): void {
  const counter = (method: LoginMethod) => (outcome: LoginOutcome) => metrics.logins.inc({ method, outcome });
  const countPasskey = counter('passkey');
  const verify = passkeys.verify.bind(passkeys);
  passkeys.verify = async (...args) => {
    try {
      const session = await verify(...args);
      countPasskey('success');
      return session;
    } catch (error) {
      countPasskey(loginFailure(error));
      throw error;
    }
  };
  const login = sessions.login.bind(sessions);
  const count = counter('password');
  sessions.login = async (...args) => {
    try {
      const result = await login(...args);
      count(result.kind === 'session' ? 'success' : 'otp_required');
      return result;
    } catch (error) {
      count(loginFailure(error));
      throw error;
    }
  };
}

function loginFailure(error: unknown): LoginOutcome {
  if (!(error instanceof AppError)) return 'error';
  if (error.code === AccountErrors.invalidCredentials.code) return 'wrong_password';
  if (error.code === accountLocked(0).code) return 'locked';
  if (error.code === PasskeyErrors.invalidPasskey.code || error.code === PasskeyErrors.invalidPasskeyChallenge.code)
    return 'invalid_passkey';
  return 'error';
}

/** Times hashing and checking passwords (argon2id, and imported hashes) on this instance's Passwords. */
export function timePasswords(passwords: Passwords, metrics: Metrics): void {
  const hash = passwords.hash.bind(passwords);
  const check = passwords.check.bind(passwords);
  passwords.hash = async (password) => {
    const done = metrics.passwordHashing.startTimer({ operation: 'hash' });
    try {
      return await hash(password);
    } finally {
      done();
    }
  };
  passwords.check = async (password, stored) => {
    const done = metrics.passwordHashing.startTimer({ operation: 'verify' });
    try {
      return await check(password, stored);
    } finally {
      done();
    }
  };
}
