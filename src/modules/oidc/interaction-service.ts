import type { IncomingMessage, ServerResponse } from 'node:http';
import type { InteractionResults } from 'oidc-provider';
import { AppError } from '../../http/errors.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { IssuedSession, SessionService } from '../accounts/session-service.js';
import type { LoginName, PasskeyLoginService } from '../passkeys/login-service.js';
import type { OidcClientService } from './client-service.js';
import type { OidcProviders, SentinelLoginResult } from './provider.js';

export interface OidcInteractionDeps {
  providers: OidcProviders;
  clients: OidcClientService;
  sessions: Pick<SessionService, 'login'>;
  otpLogin: { verify(otpToken: string, code: string, context: RequestContext): Promise<IssuedSession> };
  passkeyLogin: Pick<PasskeyLoginService, 'options' | 'verify'>;
  audit: AuditLog;
}

/** A passkey counts as both factors (RFC 8176): proof of possession of a key, verified by its owner. */
export const PASSKEY_AMR = ['hwk', 'mfa'];

/** What a hosted page needs to know about the interaction it serves. */
export interface InteractionView {
  uid: string;
  prompt: 'login' | 'consent' | string;
  appId: number;
  appName: string;
  /** Origins the interaction may end on (the client's redirect URIs): the pages' form-action. */
  formActions: string[];
  /** The scopes the consent page asks for. */
  scopes: string[];
}

type Raw = { req: IncomingMessage; res: ServerResponse };

/** The outcome of a page's form: go on (to the provider's resume URL), or show a page again. */
export type Step = { kind: 'redirect'; to: string } | { kind: 'otp'; otpToken: string } | { kind: 'failed'; error: AppError };

/**
 * The hosted login and consent of OpenID Connect authorization requests. The password is
 * checked by the same SessionService as POST /auth/login (lockout counters, imported hashes,
 * audit), then TOTP when on; the Sentinel session it opens is what OIDC logout and an
 * operator's "end sessions" end.
 */
export class OidcInteractionService {
  constructor(private readonly deps: OidcInteractionDeps) {}

  async view({ req, res }: Raw): Promise<InteractionView> {
    const provider = await this.deps.providers.current();
    const details = await provider.interactionDetails(req, res);
    const client = await this.deps.clients.find(String(details.params.client_id));
    const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? [];
    const requested = String(details.params.scope ?? '').split(' ');
    return {
      uid: details.uid,
      prompt: details.prompt.name,
      appId: client?.appId ?? 0,
      appName: client?.appName ?? 'Sentinel',
      formActions: [...new Set((client?.redirectUris ?? []).map((uri) => new URL(uri).origin))],
      scopes: missing.length > 0 ? missing : requested,
    };
  }

  async login(raw: Raw, view: InteractionView, input: { login: string; password: string }, context: RequestContext): Promise<Step> {
    const name = input.login.trim();
    const credentials = name.includes('@') ? { email: name, password: input.password } : { username: name, password: input.password };
    try {
      const result = await this.deps.sessions.login(credentials, { ...context, appId: view.appId || null });
      if (result.kind === 'otp_required') return { kind: 'otp', otpToken: result.otpToken };
      return { kind: 'redirect', to: await this.finishLogin(raw, result.session, ['pwd']) };
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return { kind: 'failed', error };
      throw error;
    }
  }

  async verifyOtp(raw: Raw, view: InteractionView, input: { otpToken: string; code: string }, context: RequestContext): Promise<Step> {
    try {
      const session = await this.deps.otpLogin.verify(input.otpToken, input.code, { ...context, appId: view.appId || null });
      return { kind: 'redirect', to: await this.finishLogin(raw, session, ['pwd', 'otp']) };
    } catch (error) {
      if (error instanceof AppError && error.status < 500) return { kind: 'failed', error };
      throw error;
    }
  }

  /** A passkey login's challenge, bound to this interaction (and its app): only its own verify below spends it. */
  passkeyOptions(view: InteractionView, name: LoginName, context: RequestContext) {
    return this.deps.passkeyLogin.options(name, { ...context, appId: view.appId || null }, { boundTo: `oidc-interaction:${view.uid}` });
  }

  /** The passkey's answer: a Sentinel session as the password path opens, and no TOTP step; the provider's resume URL. */
  async passkeyVerify(
    raw: Raw,
    view: InteractionView,
    input: { loginId: string; credential: Parameters<PasskeyLoginService['verify']>[1] },
    context: RequestContext,
  ): Promise<string> {
    const session = await this.deps.passkeyLogin.verify(
      input.loginId,
      input.credential,
      { ...context, appId: view.appId || null },
      { boundTo: `oidc-interaction:${view.uid}` },
    );
    return this.finishLogin(raw, session, PASSKEY_AMR);
  }

  /** Allow: the grant gains what the prompt found missing, and is remembered for later logins. */
  async consent({ req, res }: Raw, allow: boolean, context: RequestContext): Promise<string> {
    const provider = await this.deps.providers.current();
    const details = await provider.interactionDetails(req, res);
    if (!allow) return this.result({ req, res }, { error: 'access_denied', error_description: 'The user denied the request' });
    const accountId = details.session?.accountId;
    if (details.prompt.name !== 'consent' || !accountId) {
      return this.result({ req, res }, { error: 'access_denied', error_description: 'Nothing to consent to' });
    }
    const clientId = String(details.params.client_id);
    const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
    const prompt = details.prompt.details;
    if (prompt.missingOIDCScope) grant.addOIDCScope((prompt.missingOIDCScope as string[]).join(' '));
    if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims as string[]);
    for (const [indicator, scopes] of Object.entries((prompt.missingResourceScopes ?? {}) as Record<string, string[]>)) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await this.deps.audit.record(
      {
        action: 'oidc.consent_granted',
        actorUserId: accountId,
        targetUserId: accountId,
        detail: { client_id: clientId, scope: grant.getOIDCScope() },
      },
      context,
    );
    return this.result({ req, res }, { consent: { grantId } });
  }

  async abort(raw: Raw): Promise<string> {
    return this.result(raw, { error: 'access_denied', error_description: 'The user cancelled the sign-in' });
  }

  private finishLogin(raw: Raw, session: IssuedSession, amr: string[]): Promise<string> {
    const result: InteractionResults & SentinelLoginResult = {
      login: { accountId: session.user.id, amr, remember: true },
      sentinel_session_id: session.sessionId,
    };
    return this.result(raw, result);
  }

  private async result({ req, res }: Raw, result: InteractionResults): Promise<string> {
    const provider = await this.deps.providers.current();
    return provider.interactionResult(req, res, result, { mergeWithLastSubmission: false });
  }
}
