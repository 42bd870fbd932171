import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declaredError } from '../src/http/errors.js';
import { ProblemSchema } from '../src/http/schemas.js';
import { compileBodyValidator } from '../src/http/validation.js';
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
      // Operator routes that take a token; the console's sign-in routes under /operator/ take none.
      if (path.startsWith('/operator/') && operation.security.length > 0)
        expect(operation.responses['403'], `${method} ${path}`).toBeDefined();
    }
  });
});

const PROBLEM = 'application/problem+json';

function responses(): [string, number, any, any][] {
  return operations().flatMap(([path, method, operation]) =>
    Object.entries(operation.responses).map(
      ([status, response]) =>
        [`${method.toUpperCase()} ${path} ${status}`, Number(status), response, operation] as [string, number, any, any],
    ),
  );
}

function operation(id: string): any {
  const found = operations().find(([, , op]) => op.operationId === id);
  if (!found) throw new Error(`no operation ${id}`);
  return found[2];
}

describe('GET /openapi.json error answers', () => {
  const isProblem = compileBodyValidator(ProblemSchema);

  it('declare every error as the one shared Problem schema under application/problem+json', () => {
    expect(doc.components.schemas.Problem).toMatchObject({ type: 'object', required: ['type', 'title', 'status', 'detail'] });
    for (const [where, status, response] of responses().filter(([, status]) => status >= 400)) {
      expect(Object.keys(response.content ?? {}), where).toEqual([PROBLEM]);
      expect(response.content[PROBLEM].schema, where).toEqual({ $ref: '#/components/schemas/Problem' });
      expect(response.description, where).toBeTruthy();
      expect(status, where).toBeLessThan(600);
    }
  });

  it('give each error status its own real examples: a declared code of that status, shaped as a Problem', () => {
    for (const [where, status, response] of responses().filter(([, status]) => status >= 400)) {
      const examples = Object.entries(response.content[PROBLEM].examples ?? {}) as [string, any][];
      expect(examples.length, where).toBeGreaterThan(0);
      for (const [code, example] of examples) {
        expect(isProblem(example.value), `${where} ${code}`).toEqual([]);
        expect(example.value.status, `${where} ${code}`).toBe(status);
        expect(example.value.type, `${where} ${code}`).toBe(`urn:sentinel:problem:${code}`);
        expect(declaredError(code, status)?.status, `${where} ${code} is not a code the server declares with this status`).toBe(status);
      }
    }
    // The codes a route names are its examples (the docs once showed one 400 sample everywhere).
    expect(Object.keys(operation('getOwnProfile').responses['404'].content[PROBLEM].examples)).toEqual(['profile_not_found']);
    expect(Object.keys(operation('login').responses['401'].content[PROBLEM].examples)).toEqual(['invalid_api_key', 'invalid_credentials']);
    expect(Object.keys(operation('verifyToken').responses['401'].content[PROBLEM].examples)).toEqual(['invalid_token', 'unauthorized']);
  });

  it('copy Problem nowhere: no inline problem schema is left in the paths', () => {
    const inline: string[] = [];
    JSON.stringify(doc.paths, (key, value) => {
      if (value && typeof value === 'object' && value.properties?.type && value.properties?.title && value.properties?.detail)
        inline.push(key);
      return value;
    });
    expect(inline).toEqual([]);
  });

  it('document WWW-Authenticate on 401, Retry-After on 429 and 503, and ETag on 412', () => {
    for (const [where, status, response, op] of responses()) {
      if (status === 401 && op.security.length > 0) expect(response.headers?.['WWW-Authenticate'], where).toBeDefined();
      if (status === 429 || status === 503) expect(response.headers?.['Retry-After'], where).toBeDefined();
      if (status === 412) expect(response.headers?.ETag, where).toBeDefined();
    }
    expect(operation('login').responses['401'].headers['WWW-Authenticate'].schema.examples).toEqual(['ApiKey header="X-API-KEY"']);
  });

  it('show the codes that carry headers as their own examples, the headers declared with the code (defineErrors)', () => {
    const examples = (id: string, status: string) => Object.keys(operation(id).responses[status].content[PROBLEM].examples);
    expect(examples('login', '429')).toEqual(['rate_limited', 'account_locked']);
    expect(examples('verifyOtp', '429')).toEqual(['rate_limited', 'too_many_otp_failures']);
    expect(examples('login', '503')).toEqual(['database_unavailable', 'password_checks_busy']);
    for (const code of ['account_locked', 'too_many_otp_failures', 'database_unavailable', 'password_checks_busy', 'rate_limited'])
      expect(declaredError(code)?.headers, code).toEqual(['Retry-After']);
    expect(declaredError('precondition_failed')?.headers).toEqual(['ETag']);
    for (const code of ['invalid_token', 'unauthorized', 'invalid_api_key'])
      expect(declaredError(code)?.headers, code).toEqual(['WWW-Authenticate']);
  });
});

describe('GET /openapi.json success answers and inputs', () => {
  it('document ETag, Location and Content-Disposition where they are sent', () => {
    const headersOf = (id: string, status: string) => Object.keys(operation(id).responses[status].headers ?? {});
    for (const id of ['getOwnProfile', 'getUserProfile']) {
      expect(headersOf(id, '200'), id).toEqual(['ETag']);
      expect(headersOf(id, '304'), id).toEqual(['ETag']);
    }
    for (const id of ['replaceOwnProfile', 'patchOwnProfile', 'replaceUserProfile', 'patchUserProfile'])
      expect(headersOf(id, '200'), id).toEqual(['ETag']);
    for (const id of ['createOwnProfile', 'createUserProfile']) expect(headersOf(id, '201'), id).toEqual(['ETag', 'Location']);
    for (const id of ['registerApp', 'operatorRegisterUser']) expect(headersOf(id, '201'), id).toEqual(['Location']);
    expect(headersOf('exportOwnData', '200')).toEqual(['Content-Disposition']);
  });

  it('names this instance as the server (SENTINEL_PUBLIC_URL, http://127.0.0.1:3000 by default)', () => {
    expect(t.config.publicUrl).toBe('http://127.0.0.1:3000');
    expect(doc.servers).toEqual([{ url: 'http://127.0.0.1:3000', description: expect.any(String) }]);
  });

  it('gives the merge patch a schema open to any keys, so generated clients can send one', () => {
    for (const id of ['patchOwnProfile', 'patchUserProfile']) {
      const schema = operation(id).requestBody.content['application/merge-patch+json'].schema;
      expect(schema, id).toMatchObject({ type: 'object', additionalProperties: true });
    }
  });

  it('states the password rules in the schemas', () => {
    const register = operation('register').requestBody;
    expect(register.description).toMatch(/`password`.*`password_hash` with `hash_algorithm`/);
    const fields = register.content['application/json'].schema.properties;
    expect(fields.password.description).toMatch(/8 to 256 characters/);
    expect(fields.password_hash.description).toMatch(/hash_algorithm/);
    const reset = operation('resetPassword').requestBody.content['application/json'].schema.properties;
    expect(reset.new_password).toMatchObject({ minLength: 8, maxLength: 256 });
    expect(reset.old_password).toMatchObject({ minLength: 1, maxLength: 256, description: expect.any(String) });
  });

  it('describes every operation', () => {
    for (const [path, method, op] of operations()) expect(op.description, `${method} ${path}`).toBeTruthy();
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
