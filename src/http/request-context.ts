import type { FastifyRequest } from 'fastify';
import { principalOf } from './auth.js';

/** Where a request came from: recorded on sessions and audit events. */
export interface RequestContext {
  ip: string | null;
  userAgent: string | null;
  /** The app whose API key the request carried, if any. */
  appId: number | null;
}

const MAX_USER_AGENT = 512;

export function contextOf(request: FastifyRequest): RequestContext {
  const userAgent = request.headers['user-agent'];
  return {
    ip: request.ip ?? null,
    userAgent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT).replace(/\u0000/g, '') : null,
    appId: request.apiClient?.kind === 'app' ? request.apiClient.appId : null,
  };
}

/** The operator acting, and where the request came from: every change an operator makes is audited with both. */
export interface OperatorAction {
  actorUserId: string;
  context: RequestContext;
}

export function operatorActionOf(request: FastifyRequest): OperatorAction {
  return { actorUserId: principalOf(request).userId, context: contextOf(request) };
}
