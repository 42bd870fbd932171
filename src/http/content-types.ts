import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import { HttpErrors } from './errors.js';
import { findUnfaithfulNumber } from './json-numbers.js';

export type BodyType = 'json' | 'merge-patch';

const MEDIA_TYPES: Record<BodyType, string> = {
  json: 'application/json',
  'merge-patch': 'application/merge-patch+json',
};

/**
 * JSON is the only body format. Keys such as `__proto__` stay plain data (JSON.parse makes
 * them own properties, never prototypes), so profiles can store them as users sent them.
 * Numbers JSON.parse would silently change (`1e400`, integers past 2^53) are a 400 naming them.
 */
export function installJsonParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser([MEDIA_TYPES.json, MEDIA_TYPES['merge-patch']], { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim().length === 0) {
      done(HttpErrors.malformedJson('The body is empty but its Content-Type says JSON'), undefined);
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      // V8's message quotes the body; keep only where it broke.
      const position = /position (\d+)/.exec(String((error as Error).message))?.[1];
      const where = position ? ` (at character ${position})` : error instanceof RangeError ? ' (nested too deeply)' : '';
      done(HttpErrors.malformedJson(`The body is not valid JSON${where}`), undefined);
      return;
    }
    const unfaithful = findUnfaithfulNumber(text, '');
    if (unfaithful) {
      done(HttpErrors.validationFailed(`${unfaithful.path || 'The body'} ${unfaithful.message}`, [unfaithful]), undefined);
      return;
    }
    done(null, parsed);
  });

  // Both media types parse the same way; each route still accepts only its own. Routes that
  // declare no body never read one, and skip the check.
  app.addHook('onRoute', (route) => {
    if (!route.schema?.body && !route.config?.bodyType) return;
    const expected = MEDIA_TYPES[route.config?.bodyType ?? 'json'];
    const checkMediaType: preValidationHookHandler = (request, _reply, done) => {
      const sent = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
      done(request.body !== undefined && sent !== expected ? HttpErrors.unsupportedMediaType(`Send the body as ${expected}`) : undefined);
    };
    route.preValidation = [checkMediaType, ...[route.preValidation ?? []].flat()];
  });
}
