/**
 * The alert publisher the processor calls between applying a batch and
 * committing it: publish the crossings to the alerts topic (the durable
 * record; the send function is injected by whoever owns the event log),
 * record them in the store (the list `GET /v1/budgets/{id}/alerts` reads; a
 * crossing published again after a crash has the same id and stays one
 * alert there), seal their marks (`engine.confirm`, so a crash after this
 * point cannot publish them again), then hand them to the webhooks.
 *
 * Webhook deliveries retry for up to a minute or so; by default they run in
 * the background (failures are visible on the notifier) so that a slow
 * endpoint never stalls the stream. For deliveries that survive a crash, run a
 * WebhookNotifier from a consumer of the alerts topic instead (deliveries are
 * deduplicated by `x-tally-delivery`, the alert id).
 */
import type { Logger } from '../core/logger.js';
import { silentLogger } from '../core/logger.js';
import { errorMessage } from '../core/errors.js';
import type { BudgetEngine } from './engine.js';
import type { ThresholdCrossing } from './types.js';
import type { WebhookNotifier } from './webhooks.js';
import type { BudgetAlertRow, BudgetOperations } from '../store/operations/budgets.js';

export interface AlertPublisherOptions {
  readonly engine: Pick<BudgetEngine, 'confirm'>;
  /** Sends the crossings to the alerts topic, keyed by tenant, idempotent by id; resolves when acknowledged. */
  readonly send: (crossings: readonly ThresholdCrossing[]) => Promise<void>;
  /** Where sent alerts are listed (`store.budgets`); without it they are not recorded. */
  readonly recorder?: Pick<BudgetOperations, 'recordAlerts'>;
  readonly webhooks?: WebhookNotifier;
  /** Wait for webhook deliveries before returning. Default false. */
  readonly awaitWebhooks?: boolean;
  readonly logger?: Logger;
}

export interface BudgetAlertPublisher {
  publish(crossings: readonly ThresholdCrossing[]): Promise<void>;
}

/** A crossing as the store lists it. */
export function alertRow(c: ThresholdCrossing): BudgetAlertRow {
  return { alert_id: c.id, budget_id: c.body.budget_id, tenant: c.body.tenant ?? '', crossed_at: c.body.crossed_at, body: JSON.stringify(c.body) };
}

export function createAlertPublisher(options: AlertPublisherOptions): BudgetAlertPublisher {
  const log = options.logger ?? silentLogger();
  return {
    async publish(crossings: readonly ThresholdCrossing[]): Promise<void> {
      if (crossings.length === 0) return;
      await options.send(crossings);
      await options.recorder?.recordAlerts(crossings.map(alertRow));
      await options.engine.confirm(crossings);
      const webhooks = options.webhooks;
      if (!webhooks) return;
      const delivery = webhooks.send(crossings).catch((err: unknown) => {
        log.error({ err: errorMessage(err) }, 'webhook delivery crashed');
        return [];
      });
      if (options.awaitWebhooks) await delivery;
    },
  };
}
