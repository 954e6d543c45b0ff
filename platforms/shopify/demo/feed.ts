import type { Feed, FeedFactory, Webhook } from "../../../demo/feed.ts";
import { shopifyWebhookHeaders } from "../webhook-headers.ts";
import { stableUuid } from "../../../demo/random.ts";
import { checkoutPayload, inventoryLevelPayload, orderPayload, refundPayload } from "./payloads.ts";
import type { OrderSpec, RefundSpec } from "../../../demo/specs.ts";

/**
 * The demo shop as Shopify reports it: one webhook per topic Shopify fires (checkouts, orders,
 * refunds, inventory levels), each with an event id that is a pure function of seed, topic, resource
 * and version, so a replay sends the very same ids.
 */
export const shopifyFeed: FeedFactory = ({ seed, ctx }): Feed => {
  const webhook = (
    at: number,
    topic: string,
    resource: number,
    version: number,
    render: () => unknown,
  ): Webhook => {
    const eventId = stableUuid(seed, topic, resource, version);
    return {
      at,
      topic,
      eventId,
      webhookId: stableUuid("delivery", eventId),
      render: () => JSON.stringify(render()),
    };
  };
  const order = (topic: string, spec: OrderSpec) =>
    webhook(spec.updatedAt, topic, spec.orderId, spec.updatedAt, () => orderPayload(spec, ctx));
  const refund = (spec: RefundSpec) =>
    webhook(spec.createdAt, "refunds/create", spec.refundId, spec.createdAt, () => refundPayload(spec, ctx));

  return {
    checkoutStarted: (spec) => [
      webhook(spec.createdAt, "checkouts/create", spec.checkoutId, spec.createdAt, () =>
        checkoutPayload(spec, ctx),
      ),
    ],
    orderPlaced: (spec) => [order("orders/create", spec)],
    orderPaid: (spec) => [order("orders/paid", spec)],
    orderCancelled: (spec, money) => [...(money ? [refund(money)] : []), order("orders/cancelled", spec)],
    orderRefunded: (spec, money) => [refund(money), order("orders/updated", spec)],
    stockChanged: (product, available, at) => [
      webhook(at, "inventory_levels/update", product.inventoryItemId, at, () =>
        inventoryLevelPayload(product, available, at, ctx),
      ),
    ],
  };
};

/** The headers Shopify sends with one of the demo shop's webhooks. */
export function shopifyHeaders(
  secret: string,
  shop: string,
  webhook: Pick<Webhook, "topic" | "eventId" | "webhookId" | "at">,
  body: string,
): Record<string, string> {
  const { topic, eventId, webhookId } = webhook;
  return shopifyWebhookHeaders(
    secret,
    { topic, shop, eventId, webhookId, triggeredAt: new Date(webhook.at).toISOString() },
    body,
  );
}
