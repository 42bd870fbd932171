import type { Clock } from '../../clock.js';
import { randomSecret, sha256Hex } from '../../crypto/secrets.js';
import type { Executor } from '../../db/client.js';
import type { AppsRepository } from '../apps/apps-repository.js';
import { MailErrors } from './errors.js';

export const LINK_TTL_SECONDS = { password_reset: 3600, verify_email: 86_400, email_change: 86_400 } as const;

export interface RedirectTarget {
  /** The checked redirect_to, or null. */
  url: string | null;
  /** The app's name for mails and pages; undefined when no app's key was used. */
  appName: string | undefined;
}

/** Links mailed to users: random tokens (only their hashes are stored), their URLs, and where they may lead after. */
export class MailLinks {
  constructor(private readonly deps: { publicUrl: string; apps: Pick<AppsRepository, 'findById'>; clock: Clock }) {}

  newToken(): { token: string; tokenHash: string } {
    const token = randomSecret();
    return { token, tokenHash: sha256Hex(token) };
  }

  hashOf(token: string): string {
    return sha256Hex(token);
  }

  expiry(purpose: keyof typeof LINK_TTL_SECONDS): Date {
    return new Date(this.deps.clock().getTime() + LINK_TTL_SECONDS[purpose] * 1000);
  }

  url(page: 'reset-password' | 'verify-email', token: string): string {
    return `${this.deps.publicUrl}/account/${page}?token=${encodeURIComponent(token)}`;
  }

  /**
   * The calling app's name, and `redirectTo` once checked: an http(s) URL whose host is one of
   * that app's domains (`*.example.com` covers its subdomains). Without an app's key no
   * redirect is allowed, since no domain list vouches for it. 400 `redirect_not_allowed` otherwise.
   */
  async target(appId: number | null, redirectTo: string | undefined): Promise<RedirectTarget> {
    const app = appId === null ? undefined : await this.deps.apps.findById(appId);
    if (redirectTo === undefined || redirectTo === '') return { url: null, appName: app?.name };
    let url: URL | undefined;
    try {
      url = new URL(redirectTo);
    } catch {
      url = undefined;
    }
    const host = url?.hostname.toLowerCase();
    const allowed =
      url !== undefined &&
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      !url.username &&
      !url.password &&
      host !== undefined &&
      (app?.domains ?? []).some((domain) => (domain.startsWith('*.') ? host.endsWith(domain.slice(1)) : host === domain));
    if (!allowed) {
      throw MailErrors.redirectNotAllowed('redirect_to must be an http(s) URL on one of the calling app’s domains', [
        { path: '/redirect_to', message: 'is not on one of the calling app’s domains' },
      ]);
    }
    return { url: url!.href, appName: app?.name };
  }

  /** Inside a transaction pass it: PGlite has one connection, which the transaction holds. */
  async appName(appId: number | null, executor?: Executor): Promise<string | undefined> {
    return appId === null ? undefined : (await this.deps.apps.findById(appId, executor))?.name;
  }
}
