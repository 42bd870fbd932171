import type { FieldError } from '../../http/errors.js';

/** Hosts an app's domains allow: exact names, and `*.parent` for every subdomain of parent. */
export function hostAllowed(host: string, domains: readonly string[]): boolean {
  return domains.some((domain) => (domain.startsWith('*.') ? host.endsWith(domain.slice(1)) : host === domain));
}

/**
 * Checks redirect URIs against the app's domains: absolute http(s), no fragment or credentials,
 * and a host among the app's domains (which an operator registered, so http is theirs to allow).
 * Returns one error per bad entry, by index.
 */
export function redirectUriErrors(uris: readonly string[], domains: readonly string[], path: string): FieldError[] {
  const errors: FieldError[] = [];
  uris.forEach((raw, index) => {
    const at = `${path}/${index}`;
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      errors.push({ path: at, message: 'must be an absolute URL' });
      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.push({ path: at, message: 'must be an https:// URL' });
    else if (url.hash !== '' || raw.includes('#')) errors.push({ path: at, message: 'must not have a fragment' });
    else if (url.username || url.password) errors.push({ path: at, message: 'must not hold credentials' });
    else if (!hostAllowed(url.hostname, domains))
      errors.push({ path: at, message: `its host ${url.hostname} is not one of the app's domains` });
  });
  return errors;
}
