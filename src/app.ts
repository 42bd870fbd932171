import { pino } from 'pino';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/client.js';
import { AccessLog } from './http/access-log.js';
import { installAuth } from './http/auth.js';
import { installJsonParsers } from './http/content-types.js';
import { handleClientError, installErrorHandler, sendProblem } from './http/error-handler.js';
import { HttpErrors } from './http/errors.js';
import { installNotModified } from './http/not-modified.js';
import { installOpenApi } from './http/openapi.js';
import { installRateLimit, rateLimitStoreCheck } from './http/rate-limit.js';
import type { TypedApp } from './http/types.js';
import { installValidation } from './http/validation.js';
import { authRoutes } from './modules/accounts/auth-routes.js';
import { constraintErrorOf } from './constraint-errors.js';
import { userRoutes } from './modules/accounts/user-routes.js';
import { installCors } from './modules/apps/cors.js';
import { appRoutes } from './modules/apps/routes.js';
import { profileRoutes } from './modules/profiles/routes.js';
import { importRoutes } from './modules/import/routes.js';
import { auditRoutes } from './modules/audit/routes.js';
import { keyRoutes } from './modules/keys/routes.js';
import { accountPageRoutes } from './modules/account-pages/routes.js';
import { consoleRoutes } from './modules/console/routes.js';
import { oidcRoutes } from './modules/oidc/routes.js';
import { operatorRoutes } from './modules/operators/routes.js';
import { operatorSignInRoutes } from './modules/operators/sign-in-routes.js';
import { apiKeyVerifier } from './modules/system/api-keys.js';
import type { InstanceSecrets } from './modules/system/instance-secrets.js';
import { databaseCheck } from './modules/system/database-check.js';
import { installReadiness } from './modules/system/readiness.js';
import { systemRoutes } from './modules/system/routes.js';
import { installSecurityHeaders } from './modules/system/security-headers.js';
import { countLoginOutcomes, installHttpMetrics, timePasswords } from './modules/metrics/instrument.js';
import { Metrics } from './modules/metrics/metrics.js';
import { metricsRoutes } from './modules/metrics/routes.js';
import { totpRoutes } from './modules/totp/routes.js';
import { passkeyRoutes } from './modules/passkeys/routes.js';
import { webhookRoutes } from './modules/webhooks/routes.js';
import { createServices, type ServiceDeps, type Services } from './services.js';
import { mailPageRoutes } from './modules/mail/page-routes.js';
import { mailRoutes } from './modules/mail/routes.js';
import { VERSION } from './version.js';

export interface AppDeps {
  config: Config;
  database: Database;
  secrets: InstanceSecrets;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** How often a process polls for revocations made by others (PostgreSQL only). */
  revocationPollMs?: number;
  /** Replaces SMTP (tests): see ServiceDeps. */
  mailTransport?: ServiceDeps['mailTransport'];
}

/**
 * The composition root: repositories from the database, services from repositories and
 * configuration, routes from services. Does not listen; server.ts and the tests do.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  return (await buildAppWithServices(deps)).app;
}

/** buildApp, also handing back the services behind the routes (the tests seed data through them). */
export async function buildAppWithServices(deps: AppDeps): Promise<{ app: FastifyInstance; services: Services }> {
  const { config, database } = deps;
  const clock = deps.clock ?? systemClock;

  const app = Fastify({
    logger: deps.logger ?? {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers["x-api-key"]'],
      // Asynchronous by default: a line is written with the ones queued behind the write under
      // way, not with a system call of its own per request. Flushed on exit; a killed process
      // can lose the last lines, which SENTINEL_LOG_SYNC=true trades for a write per line.
      stream: pino.destination({ dest: 1, sync: config.logSync }),
    },
    logController: new AccessLog(),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    onProtoPoisoning: 'ignore',
    onConstructorPoisoning: 'ignore',
    // A path with broken percent-encoding (`/operator/users/delete/%`) fails before routing: still problem details.
    frameworkErrors: (error, _request, reply) => sendProblem(reply, HttpErrors.badRequest(error.message)),
    // What Node refuses before routing (broken HTTP, huge headers, timeouts) is problem details too.
    clientErrorHandler: handleClientError,
    // A client that stalls mid-request would otherwise hold its connection forever.
    requestTimeout: config.requestTimeoutSeconds * 1000,
    keepAliveTimeout: config.keepAliveTimeoutSeconds * 1000,
    http: {
      headersTimeout: config.headersTimeoutSeconds * 1000,
      requestTimeout: config.requestTimeoutSeconds * 1000,
      // How often Node looks for requests past those timeouts (its default, 30 s, would stretch them).
      connectionsCheckingInterval: 1000,
    },
  }).withTypeProvider() as unknown as TypedApp;
  const readiness = installReadiness(app);
  readiness.add('database', databaseCheck(database));
  await installSecurityHeaders(app, { publicUrl: config.publicUrl });
  const metrics = new Metrics({
    pool: () => database.poolStats?.(),
    revokedSessions: () => services.revocations.size,
    webhookBacklog: () => services.webhooks.backlog(),
    mailBacklog: async () => (services.mail.configured ? services.mail.outbox.backlog() : undefined),
  });
  installHttpMetrics(app, metrics);
  const services = createServices({
    config,
    database,
    secrets: deps.secrets,
    clock,
    revocationPollMs: deps.revocationPollMs ?? 5000,
    onBackgroundError: (error) => app.log.warn({ err: error }, 'background task failed'),
    onWarning: (message, fields) => app.log.warn(fields, message),
    ...(deps.mailTransport ? { mailTransport: deps.mailTransport } : {}),
  });
  const { accessChecks, apps, accounts, sessions, revocationSync, rowChanges } = services;
  countLoginOutcomes(sessions, services.passkeys.login, metrics);
  timePasswords(services.passwords, metrics);

  installValidation(app);
  installJsonParsers(app);
  installErrorHandler(app, constraintErrorOf);
  installNotModified(app);
  installAuth(app, {
    verifyAccessToken: (token) => accessChecks.verify(token),
    verifyCachedAccessToken: (token) => accessChecks.verifyCached(token),
    verifyAppToken: services.oidc.verifyAppToken,
    // A generated key can be rotated while this process runs (sentinel api-key rotate): read it from the database.
    verifyApiKey: apiKeyVerifier(
      config.apiKey === undefined
        ? { hash: deps.secrets.bootstrapApiKeyHash, db: database.db }
        : { hash: deps.secrets.bootstrapApiKeyHash },
      apps.repository,
    ),
  });
  await installRateLimit(app, {
    max: config.rateLimitMax,
    windowSeconds: config.rateLimitWindowSeconds,
    redisUrl: config.redisUrl,
    onExceeded: (request) => metrics.rateLimitRejections.inc({ route: request.routeOptions.url ?? 'unmatched' }),
  });
  if (config.redisUrl) readiness.add('rate_limit_store', rateLimitStoreCheck(app));
  await installCors(app, apps.allowedOrigins);
  await installOpenApi(app, { version: VERSION, publicUrl: config.publicUrl });

  await app.register(systemRoutes, { database, readiness });
  await app.register(metricsRoutes, { metrics, token: config.metricsToken });
  await app.register(authRoutes, { accounts, sessions });
  await app.register(userRoutes, { accounts });
  await app.register(appRoutes, { apps });
  await app.register(profileRoutes, { profiles: services.profiles, config });
  await app.register(importRoutes, { userImport: services.userImport, bulkBodyLimitBytes: config.bulkBodyLimitBytes });
  await app.register(totpRoutes, { totp: services.totp, otpLogin: services.otpLogin });
  await app.register(operatorRoutes, services.operators);
  await app.register(operatorSignInRoutes, { sessions, otpLogin: services.otpLogin });
  await app.register(auditRoutes, { auditEvents: services.auditEvents });
  await app.register(keyRoutes, { keys: services.signingKeys.keys });
  await app.register(accountPageRoutes);
  await app.register(passkeyRoutes, services.passkeys);
  await app.register(webhookRoutes, { webhooks: services.webhooks.service });
  await app.register(mailRoutes, services.mail);
  await app.register(mailPageRoutes, services.mail);
  await app.register(consoleRoutes);
  await app.register(oidcRoutes, { oidc: services.oidc, issuer: config.publicUrl });

  const { ring } = services.signingKeys;
  // Before the first request: SENTINEL_JWT_ALGORITHM signs, and the keys are in memory.
  app.addHook('onReady', () => ring.start());
  app.addHook('onClose', () => ring.stop());
  app.addHook('onReady', () => revocationSync.start());
  app.addHook('onClose', () => revocationSync.stop());
  app.addHook('onReady', () => rowChanges.start());
  app.addHook('onClose', () => rowChanges.stop());
  const mailWorker = services.mail.worker;
  if (mailWorker) {
    app.addHook('onReady', async () => mailWorker.start());
    app.addHook('onClose', () => mailWorker.stop());
  }
  app.addHook('onReady', async () => services.operators.retention.start());
  app.addHook('onClose', () => services.operators.retention.stop());
  // Every server delivers webhooks; the outbox's row claims keep two from sending one delivery.
  app.addHook('onReady', () => services.webhooks.dispatcher.start());
  app.addHook('onClose', () => services.webhooks.dispatcher.stop());
  // Until it has read the subscriptions (and whenever it cannot hear their changes), emit asks the database.
  app.addHook('onReady', () => services.webhooks.subscriptions.start());
  app.addHook('onClose', () => services.webhooks.subscriptions.stop());
  return { app, services };
}
