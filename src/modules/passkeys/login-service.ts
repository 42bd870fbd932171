import type { AuthenticationResponseJSON, PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { createHash, createHmac } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { PasskeyRow, UserRow } from '../../db/schema.js';
import type { RequestContext } from '../../http/request-context.js';
import type { IssuedSession, SessionService } from '../accounts/session-service.js';
import type { UsersRepository } from '../accounts/users-repository.js';
import type { AttemptLimiter } from '../attempts/attempt-limiter.js';
import { LOGIN_FAILED, type AuditLog } from '../audit/audit-log.js';
import { HttpErrors } from '../../http/errors.js';
import { PasskeyErrors } from './errors.js';
import type { PasskeysRepository } from './passkeys-repository.js';
import { CHALLENGE_TTL_SECONDS, reasonOf } from './registration-service.js';
import type { RelyingParty } from './relying-party.js';
import { webauthn } from './webauthn.js';

export interface PasskeyLoginDeps {
  repository: PasskeysRepository;
  relyingParty: RelyingParty;
  users: Pick<UsersRepository, 'resolveLogin' | 'findActiveById'>;
  sessions: Pick<SessionService, 'startSession'>;
  /** The per-account lockout of password logins (same policy and keys): a locked account is locked for passkeys too. */
  lockout: AttemptLimiter;
  audit: AuditLog;
  clock: Clock;
  /** Keys the decoy credential ids answered for names of no account (or of one without passkeys). */
  decoyKey: Buffer;
}

export type LoginName = { email: string } | { username: string } | Record<string, never>;

type Check = { ok: true } | { ok: false; reason: string };

/**
 * Where a login ceremony runs, beyond the app whose key asked: `boundTo` names the place that
 * asked for the challenge (an OIDC interaction, the console); only the same place can spend it.
 * Omitted for the API's own routes. `operatorOnly`: anyone else gets 403 and no session.
 */
export interface LoginPlace {
  boundTo?: string;
  operatorOnly?: boolean;
}

/** The place's label as the uuid stored with the challenge (the session_id column, unused by logins otherwise). */
function placeId(place: LoginPlace): string | null {
  if (place.boundTo === undefined) return null;
  const hex = createHash('sha256').update(`passkey-login:${place.boundTo}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Passkey login: options (a challenge bound to a new login attempt), then the assertion. A
 * verified, user-verified passkey counts as both factors, so the answer is a Session at once,
 * the same one /auth/login gives.
 */
export class PasskeyLoginService {
  constructor(private readonly deps: PasskeyLoginDeps) {}

  async options(
    name: LoginName,
    context: RequestContext,
    place: LoginPlace = {},
  ): Promise<{ loginId: string; options: PublicKeyCredentialRequestOptionsJSON }> {
    const { repository, relyingParty, clock } = this.deps;
    let userId: string | null = null;
    let allowCredentials: { id: string; transports?: string[] }[] | undefined;
    if ('email' in name || 'username' in name) {
      const { user, canonical } = await this.deps.users.resolveLogin(name);
      const passkeys = user ? await repository.listOfUser(user.id) : [];
      userId = user?.id ?? null;
      // A name with no passkey gets a made-up one, stable per name, so the answer tells nothing about which accounts exist.
      allowCredentials =
        passkeys.length > 0
          ? passkeys.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports }))
          : [{ id: this.decoyId(`${'email' in name ? 'email' : 'username'}:${canonical}`), transports: ['internal', 'hybrid'] }];
    }
    const options = await (
      await webauthn()
    ).generateAuthenticationOptions({
      rpID: relyingParty.id,
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      userVerification: 'required',
      ...(allowCredentials ? { allowCredentials } : {}),
    });
    const now = clock();
    const loginId = await repository.insertChallenge(
      {
        purpose: 'login',
        challenge: options.challenge,
        userId,
        sessionId: placeId(place),
        appId: context.appId,
        expiresAt: new Date(now.getTime() + CHALLENGE_TTL_SECONDS * 1000),
      },
      now,
    );
    return { loginId, options };
  }

  async verify(
    loginId: string,
    credential: AuthenticationResponseJSON,
    context: RequestContext,
    place: LoginPlace = {},
  ): Promise<IssuedSession> {
    const { repository, audit, clock } = this.deps;
    // Spent first: one attempt, one answer, whatever it is (replays and parallel copies find nothing).
    const attempt = await repository.consumeLoginChallenge(loginId, context.appId, placeId(place), clock());
    if (!attempt) {
      await this.failed(undefined, 'challenge', context);
      throw PasskeyErrors.invalidPasskeyChallenge(
        'The login_id is unknown, expired, already used, or was issued through another app or sign-in page',
      );
    }
    const passkey = await repository.findByCredentialId(credential.id);
    const user =
      passkey && (!attempt.userId || attempt.userId === passkey.userId) ? await this.deps.users.findActiveById(passkey.userId) : undefined;
    if (!passkey || !user) {
      await this.failed(undefined, 'unknown_passkey', context);
      throw PasskeyErrors.invalidPasskey('This passkey is not registered here (or not for the account named)');
    }
    const check = await this.deps.lockout.attempt(
      `user:${user.id}`,
      () => this.check(user, passkey, attempt.challenge, credential),
      (c) => c.ok,
    );
    if (!check.ok) {
      if (check.reason === 'counter_regressed') {
        await audit.record({ action: 'passkey.counter_regressed', targetUserId: user.id, detail: { passkey_id: passkey.id } }, context);
      }
      await this.failed(user, check.reason, context, passkey.id);
      throw PasskeyErrors.invalidPasskey(
        check.reason === 'counter_regressed'
          ? "The passkey's signature counter went backwards (a cloned authenticator?); the login is refused"
          : `The passkey's answer does not verify: ${check.reason}`,
      );
    }
    // The console's sign-in: no session for anyone else (after the passkey was checked, like the password path).
    if (place.operatorOnly && !user.operator) {
      await this.failed(user, 'not_an_operator', context, passkey.id);
      throw HttpErrors.forbidden('Only operators sign in to the console');
    }
    return this.deps.sessions.startSession(user, context, { method: 'passkey', passkey_id: passkey.id });
  }

  private async check(user: UserRow, passkey: PasskeyRow, challenge: string, credential: AuthenticationResponseJSON): Promise<Check> {
    const { relyingParty } = this.deps;
    const clientData = relyingParty.clientDataOf(credential.response.clientDataJSON);
    if (!clientData) return { ok: false, reason: 'unreadable client data' };
    if (!(await relyingParty.allowsOrigin(clientData.origin))) return { ok: false, reason: 'origin not allowed' };
    const handle = credential.response.userHandle;
    if (handle && handle !== Buffer.from(user.id.replace(/-/g, ''), 'hex').toString('base64url')) {
      return { ok: false, reason: 'user handle mismatch' };
    }
    let newCounter: number;
    try {
      const result = await (
        await webauthn()
      ).verifyAuthenticationResponse({
        response: credential,
        expectedChallenge: challenge,
        expectedOrigin: clientData.origin,
        expectedRPID: relyingParty.id,
        // The stored counter is compared below, atomically with its update.
        credential: {
          id: passkey.credentialId,
          publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
          counter: 0,
          transports: passkey.transports,
        },
        requireUserVerification: true,
      });
      if (!result.verified) return { ok: false, reason: 'signature' };
      newCounter = result.authenticationInfo.newCounter;
    } catch (error) {
      return { ok: false, reason: reasonOf(error) };
    }
    // Counters only rise; 0 = an authenticator that keeps none (synced passkeys).
    const regressed = (passkey.signCount > 0 || newCounter > 0) && newCounter <= passkey.signCount;
    if (regressed || !(await this.deps.repository.advanceCounter(passkey.id, newCounter, this.deps.clock()))) {
      return { ok: false, reason: 'counter_regressed' };
    }
    return { ok: true };
  }

  private async failed(user: UserRow | undefined, reason: string, context: RequestContext, passkeyId?: string): Promise<void> {
    const detail: Record<string, unknown> = { method: 'passkey', reason: reason.slice(0, 200) };
    if (passkeyId) detail.passkey_id = passkeyId;
    await this.deps.audit.record({ action: LOGIN_FAILED, targetUserId: user?.id ?? null, detail }, context);
  }

  private decoyId(name: string): string {
    return createHmac('sha256', this.deps.decoyKey).update(name).digest('base64url');
  }
}
