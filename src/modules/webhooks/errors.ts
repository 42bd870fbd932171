import { defineErrors } from '../../http/errors.js';

export const WebhookErrors = defineErrors({
  webhookNotFound: { status: 404, title: 'Webhook not found' },
  deliveryNotFound: { status: 404, title: 'Delivery not found' },
  invalidWebhookUrl: { status: 422, title: 'Webhook URL refused' },
  unknownApp: { status: 422, title: 'Unknown app' },
});
