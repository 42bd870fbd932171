import { Type } from 'typebox';
import { UserId } from '../../http/schemas.js';
import { HASH_ALGORITHMS } from './hashers/index.js';

export const MAX_IMPORT_ITEMS = 10_000;

const exampleItem = {
  user_info: { username: 'ada', email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' },
  password_hash: '$2y$05$H1dndnHdyQqk8CtbfqJ2Oe/yJ91o96Yu0feqjBWR4AUIR1ZzS3m8S',
  hash_algorithm: 'bcrypt',
};

/**
 * Each item is checked by the service, not by this schema, so that one bad item is skipped
 * with its reason instead of failing the other 9,999.
 */
const ImportItem = Type.Object(
  {},
  {
    additionalProperties: true,
    title: 'ImportItem',
    description:
      'The body of POST /auth/register: `user_info` and either `password_hash` + `hash_algorithm` ' +
      `(${HASH_ALGORITHMS.join(', ')}; with \`salt\` and \`salt_position\` for salted digests) or a plaintext \`password\` ` +
      '(hashed with argon2id: slow, prefer hashes for big batches); optionally `email_verified` (boolean, default false) when the source had confirmed the address. An item that does not match is skipped, not the batch.',
    examples: [exampleItem],
  },
);

export const ImportBody = Type.Object(
  { users: Type.Array(ImportItem, { minItems: 1, maxItems: MAX_IMPORT_ITEMS, description: `1 to ${MAX_IMPORT_ITEMS} users` }) },
  { additionalProperties: false, examples: [{ users: [exampleItem] }] },
);

export const ImportQuery = Type.Object(
  {
    dry_run: Type.Optional(Type.Boolean({ default: false, description: 'Check every item and answer what would happen, writing nothing' })),
  },
  { additionalProperties: false },
);

const ItemResult = Type.Object(
  {
    index: Type.Integer({ minimum: 0, description: 'Position of the item in `users`' }),
    status: Type.Union([Type.Literal('created'), Type.Literal('would_create'), Type.Literal('skipped')]),
    user_id: Type.Optional(UserId),
    reason: Type.Optional(
      Type.String({
        description:
          'Why the item was skipped: `invalid` (see errors), `invalid_text`, `password_required`, `weak_password`, ' +
          '`unknown_hash_algorithm`, `invalid_password_hash`, `email_taken`, `username_taken`, `duplicate` (same email or username as an earlier item)',
        examples: ['email_taken'],
      }),
    ),
    detail: Type.Optional(Type.String({ examples: ['Another account already uses this email'] })),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          path: Type.String({ description: 'JSON pointer inside the item', examples: ['/user_info/email'] }),
          message: Type.String({ examples: ['must match format "email"'] }),
        }),
      ),
    ),
  },
  { title: 'ImportItemResult' },
);

export const ImportResponse = Type.Object(
  {
    dry_run: Type.Boolean(),
    created: Type.Integer({ description: 'Users created (0 in a dry run)' }),
    would_create: Type.Integer({ description: 'Users a dry run found ready to create (0 otherwise)' }),
    skipped: Type.Integer({ description: 'Items not imported; each result says why' }),
    results: Type.Array(ItemResult, { description: 'One per item, in request order' }),
  },
  {
    title: 'ImportResult',
    examples: [
      {
        dry_run: false,
        created: 1,
        would_create: 0,
        skipped: 1,
        results: [
          { index: 0, status: 'created', user_id: '72c9c71b-98dc-4606-826f-bb2784d68446' },
          { index: 1, status: 'skipped', reason: 'email_taken', detail: 'Another account already uses this email' },
        ],
      },
    ],
  },
);
