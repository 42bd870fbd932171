import type { FieldError } from '../../http/errors.js';
import { AppError, HttpErrors, summarizeFieldErrors } from '../../http/errors.js';
import { compileBodyValidator, findUnstorableText } from '../../http/validation.js';
import { readPasswordInput, type PasswordImporter, type PasswordInput } from '../accounts/password-input.js';
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
  /** Whether the source had already confirmed the address (`email_verified`); false when absent. */
  emailVerified: boolean;
  /** The parsed imported hash, or (API only) a plaintext password still to hash with argon2id. */
  password: PasswordInput;
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
  'email_verified',
] as const;
const USER_INFO_FIELDS = new Set(['username', 'email', 'first_name', 'last_name']);

/**
 * Checks one item the way POST /auth/register checks its body (same schema, same password
 * rules, same hash parsing), but answers a Skip instead of throwing, so one bad item never
 * fails its batch. `plaintext: false` (the bulk file import) also refuses plain passwords:
 * they would cost an argon2id hash each.
 */
export function checkItem(raw: unknown, options: ItemCheckOptions): ItemCheck {
  const unstorable = findUnstorableText(raw, '');
  if (unstorable) return skip('invalid_text', `${unstorable.path || 'the item'} ${unstorable.message}`, [unstorable]);
  const { item, emailVerified } = withoutEmailVerified(raw);
  if (emailVerified === undefined) {
    const message = 'must be true or false';
    return skip('invalid', `email_verified ${message}`, [{ path: '/email_verified', message }]);
  }
  const errors = validateRegister(item);
  if (errors.length > 0) {
    return skip(
      'invalid',
      summarizeFieldErrors(errors, (path) => path || 'the item'),
      errors,
    );
  }
  const input = item as RegisterInput;
  const password = passwordOf(input, options);
  if ('reason' in password) return { ok: false, skip: password };
  const info = input.user_info;
  return {
    ok: true,
    user: {
      username: info.username,
      email: info.email,
      firstName: info.first_name ?? '',
      lastName: info.last_name ?? '',
      emailVerified,
      password,
    },
  };
}

/**
 * Imports may say that the source had confirmed the address: a JSON boolean, or in a CSV cell
 * true/false, 1/0, yes/no (any case); absent or empty is false. Taken off the item before it
 * is checked as a register body, which has no such field. `emailVerified` is undefined when
 * the value is none of those.
 */
function withoutEmailVerified(raw: unknown): { item: unknown; emailVerified: boolean | undefined } {
  if (typeof raw !== 'object' || raw === null || !('email_verified' in raw)) return { item: raw, emailVerified: false };
  const { email_verified: value, ...item } = raw as Record<string, unknown>;
  if (typeof value === 'boolean') return { item, emailVerified: value };
  const text = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (text === '' || text === 'false' || text === '0' || text === 'no') return { item, emailVerified: false };
  if (text === 'true' || text === '1' || text === 'yes') return { item, emailVerified: true };
  return { item, emailVerified: undefined };
}

function passwordOf(input: RegisterInput, options: ItemCheckOptions): PasswordInput | Skip {
  try {
    return readPasswordInput(input, { hashes: true, plaintext: options.plaintext, importer: options.importer });
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    // An item's shape problems are all `invalid`, whichever check found them.
    const reason = error.code === HttpErrors.validationFailed.code ? 'invalid' : error.code;
    return { reason, detail: error.detail ?? error.title, ...(error.errors ? { errors: error.errors } : {}) };
  }
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
