import type { Command } from 'commander';
import { Type } from 'typebox';
import { loadConfig } from '../config.js';
import { compileBodyValidator } from '../http/validation.js';
import { Email, NewPassword, PersonName, Username } from '../modules/accounts/schemas.js';
import { readSecret } from './prompt.js';
import { CliError } from './errors.js';
import { openServices } from './services.js';

const OperatorInput = Type.Object({
  username: Username,
  email: Email,
  first_name: PersonName,
  last_name: PersonName,
  password: NewPassword,
});
const validateOperator = compileBodyValidator(OperatorInput);

export function operatorCommands(program: Command): void {
  const operator = program.command('operator').description('manage operators');
  operator
    .command('create')
    .description('create an operator; the password comes from standard input, or a prompt on a terminal')
    .requiredOption('--email <email>', 'email address')
    .requiredOption('--username <username>', 'username')
    .option('--first-name <name>', 'first name', '')
    .option('--last-name <name>', 'last name', '')
    .action(async (options: { email: string; username: string; firstName: string; lastName: string }) => {
      const password = await readSecret('Password for the new operator: ');
      const input = {
        username: options.username,
        email: options.email,
        first_name: options.firstName,
        last_name: options.lastName,
        password,
      };
      const errors = validateOperator(input);
      if (errors.length > 0) throw new CliError(errors.map((e) => `${e.path.slice(1) || 'input'} ${e.message}`).join('\n'));

      const opened = await openServices(loadConfig(), 'operator create');
      try {
        const { password: _, ...userInfo } = input;
        const user = await opened.services.accounts.register(
          { user_info: userInfo, password },
          { ip: null, userAgent: 'sentinel-cli', appId: null },
          { operator: true },
        );
        process.stdout.write(`${user.id}\n`);
      } finally {
        await opened.close();
      }
    });
}
