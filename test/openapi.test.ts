import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let doc: any;
beforeAll(async () => {
  t = await createTestApp();
  doc = (await t.call('GET', '/openapi.json', { apiKey: null })).body;
});
afterAll(() => t.close());

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(): [string, string, any][] {
  return Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => [path, method, operation] as [string, string, any]),
  );
}

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with both security schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-KEY' });
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it("documents the original's account endpoints at their exact paths", () => {
    const documented = new Set(operations().map(([path, method]) => `${method.toUpperCase()} ${path}`));
    for (const route of [
      'GET /app/all',
      'POST /auth/register',
      'POST /auth/login',
      'GET /auth/verify',
      'POST /auth/refresh',
      'GET /auth/refresh-disable',
      'GET /auth/logout',
      'POST /auth/reset-password',
      'POST /user/userinfo/update',
      'GET /user/delete',
    ]) {
      expect(documented, route).toContain(route);
    }
  });

  it('gives every operation a unique operationId, a summary, tags, security, a success answer and examples', () => {
    const ids = new Set<string>();
    for (const [path, method, operation] of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      expect(operation.operationId, where).toMatch(/^[a-z][A-Za-z]+$/);
      expect(ids.has(operation.operationId), `${where} repeats ${operation.operationId}`).toBe(false);
      ids.add(operation.operationId);
      expect(operation.summary, where).toBeTruthy();
      expect(operation.tags?.length, where).toBeGreaterThan(0);
      expect(Array.isArray(operation.security), where).toBe(true);
      expect(
        Object.keys(operation.responses).some((status) => status.startsWith('2')),
        where,
      ).toBe(true);
      expect(operation.responses['500'], where).toBeDefined();
      const success = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
      const own = JSON.stringify({ body: operation.requestBody, params: operation.parameters, success });
      expect(own, `${where} has no examples`).toContain('"example');
    }
  });

  it('documents 401 on every authenticated operation and 403 on operator ones', () => {
    for (const [path, method, operation] of operations()) {
      if (operation.security.length > 0) expect(operation.responses['401'], `${method} ${path}`).toBeDefined();
      if (path.startsWith('/operator/')) expect(operation.responses['403'], `${method} ${path}`).toBeDefined();
    }
  });
});

describe('GET /docs', () => {
  it('serves the browsable API reference', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('swagger');
  });
});
