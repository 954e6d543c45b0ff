import { createHmac } from "node:crypto";
import { phpJson } from "../php-json.ts";
import type { Feed, FeedFactory, Webhook } from "../../../demo/feed.ts";
import { stableUuid } from "../../../demo/random.ts";
import type { OrderSpec, ShopContext } from "../../../demo/specs.ts";
import {
  wooOrderId,
  wooOrderPayload,
  wooProductId,
  wooProductPayload,
  wooRefundId,
  type WooOrderState,
  type WooSite,
} from "./payloads.ts";

/**
 * The demo shop as WooCommerce reports it, through hooks for `order.created`, `order.updated` and
 * `product.updated` (WooCommerce has no checkout topic). A card checkout creates the order pending
 * and payment moves it to processing a few seconds later (two deliveries); a bank transfer waits
 * on-hold until paid, or is cancelled; a refund modifies the order and shows inside it.
 */

/** An order's last follow-up (a return) comes within 5 days: older orders need no memory here. */
const REMEMBER_MS = 7 * 86_400_000;

/** The ids of the demo's hooks (X-WC-Webhook-ID), one per topic as a merchant would add them. */
export const WOO_HOOK_IDS: Record<string, number> = {
  "order.created": 11,
  "order.updated": 12,
  "product.updated": 13,
};

export function wooFeed(site: Omit<WooSite, keyof ShopContext>): FeedFactory {
  return ({ seed, ctx }): Feed => {
    const shop: WooSite = { ...ctx, ...site };
    const orders = new Map<number, WooOrderState>();
    const webhook = (topic: string, resource: number, at: number, render: () => unknown): Webhook => {
      const eventId = stableUuid(seed, "woocommerce", topic, resource, at);
      return {
        at,
        topic,
        eventId,
        // WooCommerce's delivery ids are 32 hex digits.
        webhookId: stableUuid("woocommerce-delivery", eventId).replace(/-/g, ""),
        render: () => phpJson(render()),
      };
    };
    /** Moves the order to its next state and delivers that state (a copy: later changes don't leak in). */
    const deliverOrder = (topic: string, spec: OrderSpec, change: Partial<WooOrderState>): Webhook => {
      const previous = orders.get(spec.orderId);
      const state: WooOrderState = {
        status: "pending",
        paidAt: null,
        refunds: [],
        ...previous,
        ...change,
        spec,
        modifiedAt: spec.updatedAt,
      };
      orders.set(spec.orderId, state);
      const snapshot = { ...state, refunds: [...state.refunds] };
      return webhook(topic, wooOrderId(spec), spec.updatedAt, () => wooOrderPayload(snapshot, shop));
    };
    const refunded = (spec: OrderSpec, amountMinor: number, reason: string) => [
      { id: wooRefundId(wooOrderId(spec)), amountMinor, reason },
      ...(orders.get(spec.orderId)?.refunds ?? []),
    ];

    return {
      checkoutStarted: () => [],
      orderPlaced(spec) {
        // Orders arrive in placement order, so the oldest are first: stop at the first recent one.
        for (const [id, known] of orders) {
          if (known.spec.createdAt >= spec.createdAt - REMEMBER_MS) break;
          orders.delete(id);
        }
        return [
          deliverOrder("order.created", spec, {
            status: spec.financialStatus === "paid" ? "pending" : "on-hold",
          }),
        ];
      },
      orderPaid: (spec) => [
        deliverOrder("order.updated", spec, { status: "processing", paidAt: spec.updatedAt }),
      ],
      orderCancelled: (spec, refund) => [
        refund
          ? deliverOrder("order.updated", spec, {
              status: "refunded",
              refunds: refunded(spec, refund.amountCents, "Order cancelled"),
            })
          : deliverOrder("order.updated", spec, { status: "cancelled" }),
      ],
      orderRefunded: (spec, refund) => [
        deliverOrder("order.updated", spec, {
          status: spec.financialStatus === "refunded" ? "refunded" : "processing",
          refunds: refunded(spec, refund.amountCents, "Return"),
        }),
      ],
      stockChanged: (product, available, at) => [
        webhook("product.updated", wooProductId(product), at, () =>
          wooProductPayload(product, available, at, shop),
        ),
      ],
    };
  };
}

/** The headers WooCommerce sends with a delivery; the signature is over the exact body bytes. */
export function wooHeaders(
  secret: string,
  siteUrl: string,
  webhook: Pick<Webhook, "topic" | "webhookId">,
  body: string,
): Record<string, string> {
  const [resource, event] = webhook.topic.split(".");
  return {
    "content-type": "application/json",
    "user-agent": "WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)",
    "x-wc-webhook-source": siteUrl,
    "x-wc-webhook-topic": webhook.topic,
    "x-wc-webhook-resource": resource ?? "",
    "x-wc-webhook-event": event ?? "",
    "x-wc-webhook-signature": createHmac("sha256", secret).update(body, "utf8").digest("base64"),
    "x-wc-webhook-id": String(WOO_HOOK_IDS[webhook.topic] ?? 0),
    "x-wc-webhook-delivery-id": webhook.webhookId,
  };
}
