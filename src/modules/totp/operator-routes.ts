import { Type } from 'typebox';
import { principalOf } from '../../http/auth.js';
import { contextOf } from '../../http/request-context.js';
import { ProblemSchema, UserId } from '../../http/schemas.js';
import type { TypedApp } from '../../http/types.js';
import { OperatorUserSchema, toUser } from '../accounts/schemas.js';
import { TotpErrors } from './errors.js';
import type { TotpEnrollmentService } from './enrollment-service.js';

export async function totpOperatorRoutes(app: TypedApp, { totp }: { totp: TotpEnrollmentService }): Promise<void> {
  app.post(
    '/operator/users/:userid/otp/disable',
    {
      config: { auth: 'operator' },
      schema: {
        operationId: 'operatorDisableOtp',
        tags: ['operator'],
        summary: "Turn a user's TOTP off (lost phone)",
        description:
          "Deletes the user's TOTP secret and recovery codes and ends all of the user's sessions, so whoever holds them must log in again with the password alone.",
        params: Type.Object({ userid: UserId }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            user: OperatorUserSchema,
            sessions_ended: Type.Integer({ minimum: 0, description: "How many of the user's sessions ended", examples: [2] }),
          }),
          404: { ...ProblemSchema, description: 'No active user with this id (`user_not_found`)' },
          409: { ...ProblemSchema, description: 'The user does not have TOTP on (`otp_not_enabled`)' },
        },
      },
    },
    async (request) => {
      const result = await totp.disableForUser(request.params.userid, principalOf(request).userId, contextOf(request));
      if (!result.disabled) throw TotpErrors.otpNotEnabled('This user does not have TOTP on');
      return { user: toUser(result.user), sessions_ended: result.sessionsEnded };
    },
  );
}
