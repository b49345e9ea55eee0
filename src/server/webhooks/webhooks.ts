// The webhooks of a server, from its configuration: none without PARLEY_WEBHOOK_URL; otherwise the gate that
// asks `connect` and `call`, and the events. The protocol is in docs/rest-api.md.
import type { Logger } from 'pino';
import type { ParleyConfig } from '../config/settings.js';
import { WebhookClient, type WebhookClientOptions } from './webhook-client.js';
import { WebhookEvents } from './webhook-events.js';
import { WebhookGate } from './webhook-gate.js';

export interface Webhooks {
  gate: WebhookGate;
  events: WebhookEvents;
  /** Stops retries and deliveries in flight. Idempotent. */
  close(): void;
}

export function createWebhooks(
  config: Pick<
    ParleyConfig,
    'webhookUrl' | 'webhookSecret' | 'webhookTimeoutMs' | 'webhookRetries' | 'webhookFailurePolicy'
  >,
  log: Logger,
  overrides: Partial<WebhookClientOptions> = {},
): Webhooks | undefined {
  if (!config.webhookUrl) return undefined;
  const client = new WebhookClient({
    url: config.webhookUrl,
    secret: config.webhookSecret,
    timeoutMs: config.webhookTimeoutMs,
    retries: config.webhookRetries,
    log: log.child({ part: 'webhooks' }),
    ...overrides,
  });
  return {
    gate: new WebhookGate(client, config.webhookFailurePolicy),
    events: new WebhookEvents(client),
    close: () => client.close(),
  };
}
