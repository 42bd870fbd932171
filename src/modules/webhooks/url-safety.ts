import { lookup } from 'node:dns/promises';
import net from 'node:net';

/** What a webhook URL may point at (SENTINEL_WEBHOOKS_ALLOW_HTTP, SENTINEL_WEBHOOKS_ALLOW_PRIVATE). */
export interface UrlPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

/** A URL refused by the policy; `message` says why and is safe to show the operator. */
export class RefusedUrlError extends Error {
  override name = 'RefusedUrlError';
}

/** Where to connect: the URL, and the address that was checked (connecting anywhere else would let DNS rebinding in). */
export interface CheckedTarget {
  url: URL;
  address: string;
  family: 4 | 6;
}

/** Loopback, private, link-local, unspecified, shared (CGNAT), multicast and reserved ranges. */
const BLOCKED = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(prefix, bits, 'ipv6');

/** Whether an address is one a webhook must not reach without SENTINEL_WEBHOOKS_ALLOW_PRIVATE. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address.
  const mapped = /^::ffff:(?:0+:)?(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return BLOCKED.check(mapped, 'ipv4');
  const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hexMapped) {
    const high = Number.parseInt(hexMapped[1]!, 16);
    const low = Number.parseInt(hexMapped[2]!, 16);
    return BLOCKED.check(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`, 'ipv4');
  }
  return BLOCKED.check(address, 'ipv6');
}

/** Parses a webhook URL and checks what the policy can tell without DNS; throws RefusedUrlError. */
export function parseWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RefusedUrlError('url is not an absolute URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new RefusedUrlError(
      policy.allowHttp
        ? 'url must start with https:// or http://'
        : 'url must start with https:// (http:// needs SENTINEL_WEBHOOKS_ALLOW_HTTP=true)',
    );
  }
  if (url.username || url.password) throw new RefusedUrlError('url must not carry a user name or password');
  return url;
}

/**
 * Resolves the URL's host and refuses it when any of its addresses is private (unless the
 * policy allows those). Answers the address to connect to, so the request goes where the
 * check looked and a second DNS answer cannot point it elsewhere.
 */
export async function checkWebhookUrl(raw: string, policy: UrlPolicy): Promise<CheckedTarget> {
  const url = parseWebhookUrl(raw, policy);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  let addresses: { address: string; family: number }[];
  if (net.isIP(host)) addresses = [{ address: host, family: net.isIP(host) }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new RefusedUrlError(`the host ${host} does not resolve`);
    }
  }
  if (addresses.length === 0) throw new RefusedUrlError(`the host ${host} does not resolve`);
  if (!policy.allowPrivate && addresses.some(({ address }) => isPrivateAddress(address))) {
    throw new RefusedUrlError(
      `the host ${host} resolves to a loopback, private, link-local or reserved address (allowed only with SENTINEL_WEBHOOKS_ALLOW_PRIVATE=true)`,
    );
  }
  const [first] = addresses;
  return { url, address: first!.address, family: first!.family === 6 ? 6 : 4 };
}
