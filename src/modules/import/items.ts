import type { FieldError } from '../../http/errors.js';
import { AppError } from '../../http/errors.js';
import { compileBodyValidator, findUnstorableText } from '../../http/validation.js';
import type { PasswordImporter } from '../accounts/account-service.js';
import type { StoredPassword } from '../accounts/passwords.js';
import { RegisterBody, type RegisterInput } from '../accounts/schemas.js';

/** Why an item was not imported: a stable code, a sentence, and the fields at fault when there are any. */
export interface Skip {
  reason: string;
  detail: string;
  errors?: FieldError[];
}

/** An item that passed every check that needs no database: what to insert. */
export interface UserToImport {
  username: string;
  email: string;
  firstName: string;
  lastName: string;
  /** The parsed imported hash, or (API only) a plaintext password still to hash with argon2id. */
  password: { kind: 'imported'; stored: StoredPassword } | { kind: 'plaintext'; password: string };
}

export type ItemCheck = { ok: true; user: UserToImport } | { ok: false; skip: Skip };

export interface ItemCheckOptions {
  /** Whether a plaintext `password` may stand in for a hash (the API's import). */
  plaintext: boolean;
  importer: PasswordImporter;
}

const validateRegister = compileBodyValidator(RegisterBody);

/** The columns of an import file, and the flat JSON Lines keys: the register body without its user_info nesting. */
export const FLAT_FIELDS = [
  'username',
  'email',
  'first_name',
  'last_name',
  'password_hash',
  'hash_algorithm',
  'salt',
  'salt_position',
] as const;
const USER_INFO_FIELDS = new Set(['username', 'email', 'first_name', 'last_name']);

/**
 * Checks one item the way POST /auth/register checks its body (same schema, same password
 * rules, same hash parsing), but answers a Skip instead of throwing, so one bad item never
 * fails its batch. `plaintext: false` (the bulk file import) also refuses plain passwords:
 * they would cost an argon2id hash each.
 */
export function checkItem(item: unknown, options: ItemCheckOptions): ItemCheck {
  const unstorable = findUnstorableText(item, '');
  if (unstorable) return skip('invalid_text', `${unstorable.path || 'the item'} ${unstorable.message}`, [unstorable]);
  const errors = validateRegister(item);
  if (errors.length > 0) {
    const first = errors[0]!;
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    return skip('invalid', `${first.path || 'the item'} ${first.message}${more}`, errors);
  }
  const input = item as RegisterInput;
  const password = passwordOf(input, options);
  if ('reason' in password) return { ok: false, skip: password };
  const info = input.user_info;
  return {
    ok: true,
    user: { username: info.username, email: info.email, firstName: info.first_name ?? '', lastName: info.last_name ?? '', password },
  };
}

function passwordOf(input: RegisterInput, options: ItemCheckOptions): UserToImport['password'] | Skip {
  const passwordHash = input.password_hash || undefined;
  const hashAlgorithm = input.hash_algorithm || undefined;
  if (input.password && (passwordHash || hashAlgorithm)) {
    return { reason: 'password_required', detail: 'Send either password, or password_hash with hash_algorithm; not both' };
  }
  if (passwordHash || hashAlgorithm) {
    if (!passwordHash || !hashAlgorithm) {
      return { reason: 'password_required', detail: 'An imported password needs both password_hash and hash_algorithm' };
    }
    try {
      const stored = options.importer.parse({ passwordHash, hashAlgorithm, salt: input.salt, saltPosition: input.salt_position });
      return { kind: 'imported', stored };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { reason: error.code, detail: error.detail ?? error.title, ...(error.errors ? { errors: error.errors } : {}) };
    }
  }
  if (!options.plaintext) return { reason: 'password_required', detail: 'Send password_hash with hash_algorithm' };
  if (!input.password) return { reason: 'password_required', detail: 'Send password, or password_hash with hash_algorithm' };
  if (input.salt || input.salt_position) {
    return {
      reason: 'invalid',
      detail: 'salt and salt_position apply only to password_hash',
      errors: [{ path: '/salt', message: 'applies only to password_hash' }],
    };
  }
  if (input.password.length < 8) {
    return {
      reason: 'weak_password',
      detail: 'password must be at least 8 characters',
      errors: [{ path: '/password', message: 'must be at least 8 characters' }],
    };
  }
  return { kind: 'plaintext', password: input.password };
}

function skip(reason: string, detail: string, errors: FieldError[]): ItemCheck {
  return { ok: false, skip: { reason, detail, errors } };
}

/**
 * A row of an import file (CSV columns or flat JSON Lines keys) in the register body's shape.
 * Empty and null optional fields count as absent. Keys outside FLAT_FIELDS stay, so the
 * validator names them; an object that already has `user_info` is taken as a register body.
 */
export function fromFlatRow(row: Record<string, unknown>): unknown {
  if ('user_info' in row) return row;
  const info: Record<string, unknown> = {};
  const body: Record<string, unknown> = { user_info: info };
  for (const [key, value] of Object.entries(row)) {
    if (value === null || (value === '' && key !== 'username' && key !== 'email')) continue;
    if (USER_INFO_FIELDS.has(key)) info[key] = value;
    else body[key] = value;
  }
  return body;
}

/** `/user_info/email` -> `email`: file rows are flat, so their problems name columns. */
export function columnOf(path: string): string {
  return path.replace(/^\/user_info/, '').replace(/^\//, '') || 'row';
}
