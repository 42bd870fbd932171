import { createHmac, hkdfSync } from 'node:crypto';

/**
 * The refresh token that replaces another is derived from it: HMAC-SHA256 under a key that
 * is itself derived from the instance's JWT secret (which, unlike the encryption key, no
 * routine rotation changes). A client retrying a refresh (a lost
 * answer, two tabs, a 503 that may have come after the rotation committed) can then be given
 * the very successor it missed, within the grace window, although the successor is stored
 * nowhere: sessions keep only its SHA-256, as they keep every refresh token. Computing it
 * needs the spent token and the key; the spent token alone, or a copy of the database, is
 * not enough.
 */
export class RefreshSuccessors {
  private readonly key: Buffer;

  constructor(masterSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', Buffer.from(masterSecret, 'utf8'), Buffer.alloc(0), 'sentinel:refresh-successor:v1', 32));
  }

  /** The successor of `token`: 43 URL-safe characters, like a token made by randomSecret(). */
  of(token: string): string {
    return createHmac('sha256', this.key).update(token, 'utf8').digest('base64url');
  }
}
