import type { Product } from "./catalogue.ts";
import type { CheckoutSpec, OrderSpec, RefundSpec, ShopContext } from "./specs.ts";

/** One webhook as the platform would deliver it; `render` builds the body (skipped when replaying silently). */
export interface Webhook {
  at: number;
  /** The platform's name for what happened (`orders/create`, `order.updated`, `store/order/created`). */
  topic: string;
  /** Stable id of the event (a replay gives the same one). */
  eventId: string;
  /** Stable id of this delivery, sent in the platform's delivery-id header. */
  webhookId: string;
  render(): string;
}

/**
 * What one platform makes of what happens in the demo shop: each happening becomes zero or more
 * webhooks. The simulation (store.ts) is shared; a feed only renders, so the same seed draws the same
 * shoppers, orders and stock whichever platform the shop runs on. A feed may keep the platform's own
 * view of the shop (BigCommerce's API answers from it), updated as happenings arrive in time order.
 */
export interface Feed {
  checkoutStarted(checkout: CheckoutSpec): Webhook[];
  /** A shopper paid or chose a later payment: `financialStatus` says which. */
  orderPlaced(order: OrderSpec): Webhook[];
  /** Payment captured; `updatedAt` is its time. */
  orderPaid(order: OrderSpec): Webhook[];
  /** Cancelled at `cancelledAt`; a paid order's money went back in `refund` first. */
  orderCancelled(order: OrderSpec, refund: RefundSpec | undefined): Webhook[];
  /** A return: `refund` is new, `order` is the order after it (`financialStatus` refunded or partially). */
  orderRefunded(order: OrderSpec, refund: RefundSpec): Webhook[];
  /** Units on hand of a product changed (a sale, a return, a restock). */
  stockChanged(product: Product, available: number, at: number): Webhook[];
}

export type FeedFactory = (shop: { seed: number; ctx: ShopContext }) => Feed;
