import type { CanonicalEvent } from "../../core/events.ts";
import { customerKey } from "../../core/identity.ts";
import { orderEventId } from "../event-ids.ts";
import { normaliseOrder, normaliseRefunds } from "./normalise.ts";
import type { WooOrder } from "./payload.ts";

export const PLATFORM = "woocommerce";

/**
 * One order as canonical events: its current state, plus a `ref` per refund it carries (the fetchers
 * settle each refund's time once and publish the refund). Event ids depend only on the order's state,
 * so the same state seen by a webhook and by the catch-up is one message, and two states are two.
 */
export function orderEvents(
  order: WooOrder,
  scope: { shop: string; receivedAt: string; action: string; customerHashKey: string },
): CanonicalEvent[] {
  const base = { v: 1 as const, platform: PLATFORM, shop: scope.shop, receivedAt: scope.receivedAt };
  const canonical = normaliseOrder(order, (id) =>
    customerKey(scope.customerHashKey, PLATFORM, scope.shop, id),
  );
  const events: CanonicalEvent[] = [
    {
      ...base,
      type: "order",
      eventId: orderEventId(canonical),
      order: canonical,
    },
  ];
  for (const refund of normaliseRefunds(order)) {
    events.push({
      ...base,
      type: "ref",
      eventId: `refund-seen:${refund.refundId}`,
      ref: {
        resource: "refund",
        id: refund.refundId,
        action: scope.action,
        observedAt: refund.createdAt,
        refund,
      },
    });
  }
  return events;
}
