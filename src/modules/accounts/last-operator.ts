import type { Executor } from '../../db/client.js';
import { AccountErrors } from './errors.js';
import type { UsersRepository } from './users-repository.js';

/**
 * The rule that Sentinel always keeps an operator: refuses (409 `last_operator`) a change in
 * `tx` that takes the role away from `leavingUserId` (demotion, deletion by themself or by an
 * operator) when they are the last active operator. Holds the operator set locked for the rest
 * of the transaction first, so two operators leaving at once cannot both pass the count.
 * `doing` ends the sentence: "make someone else an operator before {doing}".
 */
export async function assertOperatorRemains(
  users: Pick<UsersRepository, 'lockOperatorSet' | 'findActiveById' | 'countActiveOperators'>,
  tx: Executor,
  leavingUserId: string,
  doing: string,
): Promise<void> {
  await users.lockOperatorSet(tx);
  const leaving = await users.findActiveById(leavingUserId, tx);
  if (leaving?.operator && (await users.countActiveOperators(tx)) <= 1) {
    throw AccountErrors.lastOperator(`You are the last operator: make someone else an operator before ${doing}`);
  }
}
