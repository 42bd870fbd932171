import { Type, type Static } from 'typebox';
import type { AppRow } from '../../db/schema.js';
import { AppId, Timestamp } from '../../http/schemas.js';

export const AppSchema = Type.Object(
  {
    app_id: AppId,
    app: Type.String({ examples: ['notes'] }),
    description: Type.String({ examples: ['Note taking for the whole team'] }),
    domains: Type.Array(Type.String({ examples: ['notes.example.com'] })),
    created_at: Timestamp(),
  },
  { title: 'App' },
);
export type App = Static<typeof AppSchema>;

export function toApp(row: AppRow): App {
  return {
    app_id: row.id,
    app: row.name,
    description: row.description,
    domains: row.domains,
    created_at: row.createdAt.toISOString(),
  };
}
