import { timingSafeEqual } from 'node:crypto';
import { sha256Hex } from '../../crypto/secrets.js';
import type { ApiClient } from '../../http/auth.js';
import type { AppsRepository } from '../apps/apps-repository.js';

/** Checks an X-API-KEY: the bootstrap key (compared in constant time), then the apps' keys by hash. */
export function apiKeyVerifier(bootstrapHash: string, apps: AppsRepository): (key: string) => Promise<ApiClient | undefined> {
  const bootstrap = Buffer.from(bootstrapHash, 'hex');
  return async (key) => {
    const hash = sha256Hex(key);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), bootstrap)) return { kind: 'bootstrap' };
    const appKey = await apps.findKeyByHash(hash);
    return appKey ? { kind: 'app', appId: appKey.appId, keyId: appKey.id } : undefined;
  };
}
