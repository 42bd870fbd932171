import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLIENT_FILES, clientFiles } from '../scripts/client-files.js';

describe('packages/client generated files', () => {
  it('match the API the sources declare (run `npm run client:generate` and commit when this fails)', { timeout: 120_000 }, async () => {
    const fresh = await clientFiles();
    expect(readFileSync(CLIENT_FILES.types, 'utf8'), 'packages/client/src/generated/openapi.ts is stale: npm run client:generate').toBe(
      fresh.types,
    );
  });
});
