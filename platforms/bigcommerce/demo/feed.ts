import {
  bcCallback,
  bcOrderId,
  bcOrderProductId,
  bcProductId,
  type BcOrderState,
  type BcProductState,
  type BcShop,
} from "./payloads.ts";
import type { Feed, FeedFactory, Webhook } from "../../../demo/feed.ts";
import { stableUuid } from "../../../demo/random.ts";
import type { OrderSpec, RefundSpec, ShopContext } from "../../../demo/specs.ts";

/**
 * The demo shop as BigCommerce reports it. Webhooks are thin (what changed, never its data), so the
 * feed keeps BigCommerce's side of the shop — orders, refunds, stock — for the demo's API to answer
 * the fetchers from, updated as things happen: a fetcher asking late gets the current state, as it
 * would from BigCommerce. Card orders are created Awaiting Fulfillment (11); bank deposits wait
 * Awaiting Payment (7) until paid or cancelled (5); refunds move the order to Refunded (4) or
 * Partially Refunded (14).
 */
/** How long the demo's BigCommerce keeps an order (the catch-up looks back a day, returns come within 5). */
const KEEP_ORDERS_MS = 35 * 86_400_000;

export class BigCommerceState {
  readonly orders = new Map<number, BcOrderState>();
  readonly products = new Map<number, BcProductState>();
  shop: BcShop | undefined;
  private nextRefundId = 1;

  refundId(): number {
    return this.nextRefundId++;
  }
}

export function bigCommerceFeed(site: Omit<BcShop, keyof ShopContext>, state: BigCommerceState): FeedFactory {
  return ({ seed, ctx }): Feed => {
    const shop: BcShop = { ...ctx, ...site };
    state.shop = shop;
    const callback = (scope: string, at: number, data: Record<string, unknown>): Webhook => {
      const { hash, body } = bcCallback(shop, scope, at, data);
      const text = JSON.stringify(body);
      return {
        at,
        topic: scope,
        eventId: hash,
        webhookId: stableUuid(seed, "bigcommerce-delivery", hash),
        render: () => text,
      };
    };
    const statusChange = (spec: OrderSpec, statusId: number, at: number): Webhook[] => {
      const order = state.orders.get(bcOrderId(spec))!;
      const previous = order.statusId;
      order.spec = spec;
      order.statusId = statusId;
      order.modifiedAt = at;
      if (previous === statusId) return [];
      return [
        callback("store/order/statusUpdated", at, {
          type: "order",
          id: bcOrderId(spec),
          status: { previous_status_id: previous, new_status_id: statusId },
        }),
      ];
    };
    const refund = (spec: OrderSpec, money: RefundSpec): Webhook => {
      const id = bcOrderId(spec);
      const order = state.orders.get(id)!;
      const refundId = state.refundId();
      const lineIndex = new Map(spec.lines.map((l, i) => [l.lineId, i]));
      order.refunds.push({
        id: refundId,
        createdAt: money.createdAt,
        amountMinor: money.amountCents,
        items: money.lines.map((l) => ({
          itemId: bcOrderProductId(id, lineIndex.get(l.lineId) ?? 0),
          quantity: l.quantity,
        })),
      });
      order.modifiedAt = money.createdAt;
      return callback("store/order/refund/created", money.createdAt, {
        type: "order",
        id,
        refund: { refund_id: refundId },
      });
    };

    return {
      checkoutStarted: () => [],
      orderPlaced(spec) {
        for (const [old, known] of state.orders) {
          if (known.spec.createdAt >= spec.createdAt - KEEP_ORDERS_MS) break;
          state.orders.delete(old);
        }
        const id = bcOrderId(spec);
        state.orders.set(id, {
          spec,
          statusId: spec.financialStatus === "paid" ? 11 : 7,
          modifiedAt: spec.createdAt,
          refunds: [],
        });
        return [callback("store/order/created", spec.createdAt, { type: "order", id })];
      },
      // A card payment is captured before BigCommerce creates the order: only a bank deposit changes status.
      orderPaid: (spec) => statusChange(spec, 11, spec.updatedAt),
      orderCancelled: (spec, money) => [
        ...(money ? [refund(spec, money)] : []),
        ...statusChange(spec, money ? 4 : 5, spec.updatedAt),
      ],
      orderRefunded: (spec, money) => [
        refund(spec, money),
        ...statusChange(spec, spec.financialStatus === "refunded" ? 4 : 14, spec.updatedAt),
      ],
      stockChanged(product, available, at) {
        const id = bcProductId(product);
        state.products.set(id, { product, level: available, modifiedAt: at });
        return [
          callback("store/product/inventory/updated", at, {
            type: "product",
            id,
            inventory: { product_id: id, method: "absolute", value: available },
          }),
        ];
      },
    };
  };
}

/** BigCommerce sends a hook's custom headers with every callback: ours carry the shared secret. */
export function bigCommerceHeaders(secret: string): Record<string, string> {
  return { "content-type": "application/json", "x-webhook-secret": secret };
}
