import { domainToASCII } from 'node:url';
import { summarizeFieldErrors, type FieldError } from '../../http/errors.js';
import { AppErrors } from './errors.js';

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const MAX_HOSTNAME = 253;

/**
 * A registered domain as stored: a lowercase ASCII hostname (internationalized names in
 * their punycode form), an IPv4 address, or `*.` followed by a hostname for every
 * subdomain. No scheme, port, path or credentials: an app's domains name hosts, and a
 * browser origin check can add the scheme and port it sees.
 */
export function normalizeDomain(input: string): string | { message: string } {
  let host = input.trim().toLowerCase();
  if (/[/:@?#\\\s]/.test(host)) {
    return { message: 'must be a bare hostname like app.example.com (no scheme, port, path or spaces)' };
  }
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (IPV4.test(host)) return host;

  const wildcard = host.startsWith('*.');
  const name = wildcard ? host.slice(2) : host;
  if (name.includes('*')) return { message: 'may use * only as its whole first label, as in *.example.com' };
  // domainToASCII returns '' for names that cannot be a hostname.
  const ascii = /^[\x00-\x7f]*$/.test(name) ? name : domainToASCII(name);
  const labels = ascii.split('.');
  if (ascii === '' || ascii.length > MAX_HOSTNAME || !labels.every((label) => LABEL.test(label))) {
    return { message: 'must be a hostname: labels of letters, digits and inner hyphens, at most 63 characters each' };
  }
  if (/^\d+$/.test(labels[labels.length - 1]!)) return { message: 'is neither a hostname nor an IPv4 address' };
  if (wildcard && labels.length < 2) return { message: 'a wildcard needs a parent domain with a dot, as in *.example.com' };
  return wildcard ? `*.${ascii}` : ascii;
}

/** Normalizes every domain, or throws one 400 naming each bad entry by index; duplicates collapse. */
export function normalizeDomains(domains: readonly string[], path = '/domains'): string[] {
  const errors: FieldError[] = [];
  const result: string[] = [];
  domains.forEach((domain, index) => {
    const normalized = normalizeDomain(domain);
    if (typeof normalized === 'string') {
      if (!result.includes(normalized)) result.push(normalized);
    } else {
      errors.push({ path: `${path}/${index}`, message: normalized.message });
    }
  });
  if (errors.length > 0) {
    throw AppErrors.invalidDomain(summarizeFieldErrors(errors), errors);
  }
  return result;
}
