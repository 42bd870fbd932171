import type { PublicKeyCredentialCreationOptionsJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import type { Clock } from '../../clock.js';
import type { PasskeyRow } from '../../db/schema.js';
import type { Principal } from '../../http/auth.js';
import type { RequestContext } from '../../http/request-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PasskeyErrors } from './errors.js';
import type { PasskeysRepository } from './passkeys-repository.js';
import type { RelyingParty } from './relying-party.js';
import { webauthn } from './webauthn.js';

/** How long a ceremony's challenge stays valid. */
export const CHALLENGE_TTL_SECONDS = 5 * 60;

export interface PasskeyRegistrationDeps {
  repository: PasskeysRepository;
  relyingParty: RelyingParty;
  audit: AuditLog;
  clock: Clock;
}

/** A signed-in user adds a passkey: options (a challenge bound to this session), then the authenticator's answer. */
export class PasskeyRegistrationService {
  constructor(private readonly deps: PasskeyRegistrationDeps) {}

  async options(principal: Principal): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const { repository, relyingParty, clock } = this.deps;
    const existing = await repository.listOfUser(principal.userId);
    const options = await (
      await webauthn()
    ).generateRegistrationOptions({
      rpName: relyingParty.name,
      rpID: relyingParty.id,
      userName: principal.email,
      userDisplayName: principal.username,
      // The user handle a discoverable passkey returns at login: the account id, which is no personal data.
      userID: uuidBytes(principal.userId),
      timeout: CHALLENGE_TTL_SECONDS * 1000,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
      // Discoverable (usernameless login) and user-verified: a passkey alone counts as both factors.
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    });
    const now = clock();
    await repository.insertChallenge(
      {
        purpose: 'registration',
        challenge: options.challenge,
        userId: principal.userId,
        sessionId: principal.sessionId,
        appId: null,
        expiresAt: new Date(now.getTime() + CHALLENGE_TTL_SECONDS * 1000),
      },
      now,
    );
    return options;
  }

  async verify(
    principal: Principal,
    name: string | undefined,
    credential: RegistrationResponseJSON,
    context: RequestContext,
  ): Promise<PasskeyRow> {
    const { repository, relyingParty, audit, clock } = this.deps;
    const clientData = relyingParty.clientDataOf(credential.response.clientDataJSON);
    if (!clientData) throw PasskeyErrors.passkeyRegistrationFailed('The client data is not readable');
    // Spent before anything else is checked: a challenge serves one answer, right or wrong.
    if (!(await repository.consumeRegistrationChallenge(clientData.challenge, principal.userId, principal.sessionId, clock()))) {
      throw PasskeyErrors.invalidPasskeyChallenge('No live registration challenge of this session matches; ask for new options');
    }
    if (!(await relyingParty.allowsOrigin(clientData.origin))) {
      throw PasskeyErrors.passkeyRegistrationFailed('The passkey was created on an origin this server does not accept');
    }
    let verified: Awaited<ReturnType<Awaited<ReturnType<typeof webauthn>>['verifyRegistrationResponse']>>;
    try {
      verified = await (
        await webauthn()
      ).verifyRegistrationResponse({
        response: credential,
        expectedChallenge: clientData.challenge,
        expectedOrigin: clientData.origin,
        expectedRPID: relyingParty.id,
        requireUserVerification: true,
      });
    } catch (error) {
      throw PasskeyErrors.passkeyRegistrationFailed(`The authenticator's answer does not verify: ${reasonOf(error)}`);
    }
    if (!verified.verified) throw PasskeyErrors.passkeyRegistrationFailed("The authenticator's answer does not verify");
    const info = verified.registrationInfo;
    const count = await repository.countOfUser(principal.userId);
    const passkey = await repository.insert({
      userId: principal.userId,
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      signCount: info.credential.counter,
      transports: (credential.response.transports ?? []).slice(0, 10),
      name: name ?? `Passkey ${count + 1}`,
      aaguid: info.aaguid,
      backedUp: info.credentialBackedUp,
    });
    await audit.record(
      { action: 'passkey.registered', actorUserId: principal.userId, targetUserId: principal.userId, detail: { passkey_id: passkey.id } },
      context,
    );
    return passkey;
  }
}

function uuidBytes(uuid: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

/** The library's reason, which names what failed (origin, challenge, RP ID, flags) and never key material. */
export function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
}
