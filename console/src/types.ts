import type { operations } from '@sentinel/client';

/** The JSON body an operation answers with `status` (from the generated OpenAPI types). */
export type Answer<Op extends keyof operations, Status extends number> =
  operations[Op]['responses'] extends Record<Status, { content: { 'application/json': infer Body } }> ? Body : never;

export type OperatorUser = Answer<'operatorGetUserById', 200>['user'];
export type SessionInfo = Answer<'operatorListUserSessions', 200>['sessions'][number];
export type AuditEvent = Answer<'operatorListAuditEvents', 200>['events'][number];
export type Profile = Answer<'listUserProfiles', 200>['profiles'][number];
export type AppSummary = Answer<'listApps', 200>['apps'][number];
export type Webhook = Answer<'listWebhooks', 200>['webhooks'][number];
export type WebhookDelivery = Answer<'listWebhookDeliveries', 200>['deliveries'][number];
export type SigningKey = Answer<'listSigningKeys', 200>['keys'][number];
/** Event names a webhook subscribes to (the server checks each against its list). */
export type WebhookEvents = NonNullable<operations['createWebhook']['requestBody']>['content']['application/json']['events'];
