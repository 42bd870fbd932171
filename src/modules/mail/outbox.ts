import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { SecretBox } from '../../crypto/secret-box.js';
import type { Executor } from '../../db/client.js';
import type { Transaction } from '../../db/transaction.js';
import type { OutboxRepository } from './outbox-repository.js';
import type { OutgoingMail } from './transport.js';

export type MailContent = Omit<OutgoingMail, 'to'>;

/** A mail sealed for the outbox, its row id bound into the seal (a payload copied to another row does not open). */
export interface SealedMail {
  id: string;
  payload: string;
}

/**
 * Puts mail in the outbox, inside the caller's transaction: the mail exists exactly when the
 * change that caused it committed. After the commit the worker of this process is woken, so
 * mail leaves at once rather than at the next poll.
 */
export class MailOutbox {
  constructor(
    private readonly deps: {
      repository: OutboxRepository;
      box: SecretBox;
      clock: Clock;
      wake: () => void;
    },
  ) {}

  seal(content: MailContent): SealedMail {
    const id = randomUUID();
    return { id, payload: this.deps.box.seal(JSON.stringify(content), id) };
  }

  open(mail: { id: string; payload: string }): MailContent {
    return JSON.parse(this.deps.box.open(mail.payload, mail.id)) as MailContent;
  }

  async enqueue(tx: Transaction | Executor, to: string, content: MailContent): Promise<void> {
    const sealed = this.seal(content);
    await this.deps.repository.insert({ ...sealed, recipient: to, now: this.deps.clock() }, tx);
    this.wakeAfter(tx);
  }

  /** Wakes the worker once `tx` has committed (at once when it is no transaction of ours). */
  wakeAfter(tx: Transaction | Executor): void {
    if ('afterCommit' in tx) tx.afterCommit(async () => this.deps.wake());
    else setImmediate(this.deps.wake);
  }
}
