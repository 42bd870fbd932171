import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a sealed value was not made by this key (a changed key, or tampering). */
export class UnreadableSecretError extends Error {
  override name = 'UnreadableSecretError';
}

/**
 * Encryption at rest: AES-256-GCM under a key derived with HKDF-SHA-256 from the instance's
 * master secret, a fresh random IV per value. Sealed values read `v1.<iv>.<tag>.<ciphertext>`
 * (base64url), so a later format or key can be told apart and rotated in.
 *
 * `context` is bound in as additional data: a value copied to another row (another user's
 * TOTP secret, say) no longer opens.
 */
export class SecretBox {
  private readonly derived = new Map<string, Buffer>();

  /**
   * `purpose` separates keys: the same master secret gives an unrelated key per purpose.
   * A key ring (src/modules/system/encryption-keys.ts) seals with its current secret and
   * opens with any of its secrets, read at each use, so a rotation reaches a running box.
   */
  constructor(
    private readonly masterSecret: string | { readonly current: string; readonly all: readonly string[] },
    private readonly purpose: string,
  ) {}

  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const master = typeof this.masterSecret === 'string' ? this.masterSecret : this.masterSecret.current;
    const cipher = createCipheriv('aes-256-gcm', this.keyOf(master), iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv, cipher.getAuthTag(), ciphertext]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  /** Throws UnreadableSecretError unless `sealed` was sealed by this box with this context. */
  open(sealed: string, context: string): string {
    const [format, iv, tag, ciphertext, ...rest] = sealed.split('.');
    if (format !== FORMAT || iv === undefined || tag === undefined || ciphertext === undefined || rest.length > 0) {
      throw new UnreadableSecretError(`Unknown sealed format "${format ?? ''}"`);
    }
    const masters = typeof this.masterSecret === 'string' ? [this.masterSecret] : this.masterSecret.all;
    for (const master of masters) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', this.keyOf(master), Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Sealed under another key of the ring, or not by this box at all.
      }
    }
    throw new UnreadableSecretError('The sealed value does not open with this key');
  }

  private keyOf(master: string): Buffer {
    let key = this.derived.get(master);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', Buffer.from(master, 'utf8'), Buffer.alloc(0), `sentinel:${this.purpose}:${FORMAT}`, 32));
      this.derived.set(master, key);
    }
    return key;
  }
}
