import { createHash } from "node:crypto";
import type { Order } from "../core/events.ts";

/**
 * The message id of an order state, for platforms whose deliveries carry no event id of their own
 * (WooCommerce) or whose orders we fetch (BigCommerce). Modification times have one-second
 * resolution and a checkout can change an order twice in that second (pending → processing), so
 * the id also hashes the state: two different states never share an id (and never dedupe away),
 * while the same state seen by a webhook and by the catch-up is one message.
 */
export function orderEventId(order: Order): string {
  const digest = createHash("sha256").update(JSON.stringify(order)).digest("base64url").slice(0, 16);
  return `order:${order.orderId}:${order.updatedAt}:${digest}`;
}
