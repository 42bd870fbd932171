import { describe, expect, it } from 'vitest';
import { AppError } from '../../http/errors.js';
import { ProfileDataSchemas } from './profile-schemas.js';

function source(schemas: Record<number, { schema: unknown; hash: string } | undefined>) {
  const loads: number[] = [];
  return {
    loads,
    loadSchema: async (appId: number) => {
      loads.push(appId);
      return schemas[appId];
    },
  };
}

describe('ProfileDataSchemas', () => {
  it('loads and compiles a schema once per hash, and again when the hash changes', async () => {
    const store = { 1: { schema: { type: 'object', required: ['a'] }, hash: 'h1' } } as Record<number, { schema: unknown; hash: string }>;
    const src = source(store);
    const schemas = new ProfileDataSchemas(src);
    const first = await schemas.validatorFor({ id: 1, schemaHash: 'h1' });
    await schemas.validatorFor({ id: 1, schemaHash: 'h1' });
    expect(src.loads).toEqual([1]);
    expect(first!({}, '/profile_data')).toEqual([{ path: '/profile_data/a', message: 'is required' }]);

    store[1] = { schema: { type: 'object', required: ['b'] }, hash: 'h2' };
    const second = await schemas.validatorFor({ id: 1, schemaHash: 'h2' });
    expect(src.loads).toEqual([1, 1]);
    expect(second!({ a: 1 }, '')).toEqual([{ path: '/b', message: 'is required' }]);
  });

  it('has no validator for an app without a schema, or one cleared since the hash was read', async () => {
    const schemas = new ProfileDataSchemas(source({}));
    expect(await schemas.validatorFor({ id: 1, schemaHash: null })).toBeUndefined();
    expect(await schemas.validatorFor({ id: 1, schemaHash: 'gone' })).toBeUndefined();
  });

  it('lets two schemas share an $id', () => {
    const schemas = new ProfileDataSchemas(source({}));
    expect(() => schemas.compile({ $id: 'https://example.com/p', type: 'object' })).not.toThrow();
    expect(() => schemas.compile({ $id: 'https://example.com/p', type: 'array' })).not.toThrow();
  });

  it('refuses an invalid schema with a 422 naming the keyword', () => {
    const schemas = new ProfileDataSchemas(source({}));
    try {
      schemas.compile({ properties: { age: { type: 'int' } } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(422);
      expect((error as AppError).errors?.[0]?.path).toBe('/schema/properties/age/type');
    }
  });
});
