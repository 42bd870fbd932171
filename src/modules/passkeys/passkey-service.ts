import type { Db } from '../../db/client.js';
import type { PasskeyRow } from '../../db/schema.js';
import { inTransaction } from '../../db/transaction.js';
import type { RequestContext } from '../../http/request-context.js';
import { AccountErrors } from '../accounts/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { PasskeyErrors } from './errors.js';
import type { PasskeysRepository } from './passkeys-repository.js';

export interface PasskeyServiceDeps {
  db: Db;
  repository: PasskeysRepository;
  audit: AuditLog;
}

/** Who changes an account's passkeys: its owner, or an operator (`actorUserId`). */
export interface Change {
  actorUserId: string;
  context: RequestContext;
}

/**
 * An account's passkeys and its password, as ways in: listed, renamed, removed, and the
 * password dropped, but never the last way in (a passwordless account keeps one passkey).
 */
export class PasskeyService {
  constructor(private readonly deps: PasskeyServiceDeps) {}

  async list(userId: string): Promise<{ passkeys: PasskeyRow[]; passwordSet: boolean }> {
    return inTransaction(this.deps.db, async (tx) => {
      const account = await this.deps.repository.lockAccount(userId, tx);
      if (!account) throw AccountErrors.userNotFound('No active user with this id');
      return { passkeys: await this.deps.repository.listOfUser(userId, tx), passwordSet: account.passwordSet };
    });
  }

  async rename(userId: string, passkeyId: string, name: string, change: Change): Promise<PasskeyRow> {
    const passkey = await this.deps.repository.rename(userId, passkeyId, name);
    if (!passkey) throw PasskeyErrors.passkeyNotFound('No passkey with this id on this account');
    await this.deps.audit.record(
      { action: 'passkey.renamed', actorUserId: change.actorUserId, targetUserId: userId, detail: { passkey_id: passkeyId } },
      change.context,
    );
    return passkey;
  }

  /** Refused (409 `last_way_in`) for the only passkey of an account without a password. */
  async delete(userId: string, passkeyId: string, change: Change): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      const { repository } = this.deps;
      // The account row is locked: two deletions of an account's last two passkeys run one after the other.
      const account = await repository.lockAccount(userId, tx);
      if (!account) throw AccountErrors.userNotFound('No active user with this id');
      const deleted = await repository.delete(userId, passkeyId, tx);
      if (!deleted) throw PasskeyErrors.passkeyNotFound('No passkey with this id on this account');
      if (!account.passwordSet && (await repository.countOfUser(userId, tx)) === 0) {
        throw PasskeyErrors.lastWayIn(
          'This is the last passkey of an account without a password: add another passkey or set a password first',
        );
      }
      await this.deps.audit.record(
        { action: 'passkey.deleted', actorUserId: change.actorUserId, targetUserId: userId, detail: { passkey_id: passkeyId } },
        change.context,
        tx,
      );
    });
  }

  /** The owner drops their password: from now on only their passkeys sign them in (password logins fail as a wrong password would). */
  async removePassword(userId: string, change: Change): Promise<void> {
    await inTransaction(this.deps.db, async (tx) => {
      const { repository } = this.deps;
      const account = await repository.lockAccount(userId, tx);
      if (!account) throw AccountErrors.userNotFound('The account no longer exists');
      if (!account.passwordSet) throw PasskeyErrors.passwordNotSet('This account has no password');
      if ((await repository.countOfUser(userId, tx)) === 0) {
        throw PasskeyErrors.passkeyRequired('Register a passkey before removing the password, or you could not sign in any more');
      }
      await repository.unsetPassword(userId, tx);
      await this.deps.audit.record(
        { action: 'password.removed', actorUserId: change.actorUserId, targetUserId: userId },
        change.context,
        tx,
      );
    });
  }
}
