export interface RelyingPartyDeps {
  /** The RP ID: SENTINEL_PASSKEY_RP_ID, or SENTINEL_PUBLIC_URL's host. */
  rpId: string;
  /** Shown by the browser and the authenticator beside the account. */
  rpName: string;
  publicUrl: string;
  /** SENTINEL_PASSKEY_ORIGINS. */
  extraOrigins: readonly string[];
  /** The registered apps' domains (the CORS list). */
  appDomains: { allows(origin: string): Promise<boolean> };
}

/** What the browser signed into clientDataJSON: where the ceremony ran, and for which challenge. */
export interface ClientData {
  origin: string;
  challenge: string;
}

/**
 * Who Sentinel is to WebAuthn, and where its passkeys may be used: the public URL's origin,
 * SENTINEL_PASSKEY_ORIGINS, and https origins on the registered apps' domains that lie within
 * the RP ID (browsers refuse any other origin for this RP ID anyway).
 */
export class RelyingParty {
  private readonly publicOrigin: string;

  constructor(private readonly deps: RelyingPartyDeps) {
    this.publicOrigin = new URL(deps.publicUrl).origin;
  }

  get id(): string {
    return this.deps.rpId;
  }

  get name(): string {
    return this.deps.rpName;
  }

  /** The client data of a response; undefined when it is not base64url JSON with an origin and a challenge. */
  clientDataOf(clientDataJSON: string): ClientData | undefined {
    try {
      const data: unknown = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
      if (typeof data !== 'object' || data === null) return undefined;
      const { origin, challenge } = data as Record<string, unknown>;
      return typeof origin === 'string' && typeof challenge === 'string' ? { origin, challenge } : undefined;
    } catch {
      return undefined;
    }
  }

  async allowsOrigin(origin: string): Promise<boolean> {
    if (origin === this.publicOrigin || this.deps.extraOrigins.includes(origin)) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return false;
    }
    const host = url.hostname;
    const withinRp = host === this.deps.rpId || host.endsWith(`.${this.deps.rpId}`);
    return url.protocol === 'https:' && url.origin === origin && withinRp && (await this.deps.appDomains.allows(origin));
  }
}
