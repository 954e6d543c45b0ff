import type { CanonicalEvent } from "../../core/events.ts";

/**
 * What moves a sales figure, placed at the instant it counts:
 * - `order`: an order counts when it is created (its current total, kept up to date by later states);
 * - `cancel`: a cancellation takes the order's total out again when the cancellation happens;
 * - `refund`: money returned counts at refund time;
 * - `checkout`: a checkout started, the denominator of checkout conversion.
 * Each fact is keyed by the platform's id, so writing it twice rewrites one row.
 */
export const FACT_KINDS = ["order", "cancel", "refund", "checkout"] as const;
export type FactKind = (typeof FACT_KINDS)[number];

export interface SalesFact {
  platform: string;
  shop: string;
  kind: FactKind;
  /** Order id for `order`/`cancel`, refund id, checkout id. */
  id: string;
  /** The order a fact belongs to (refunds name theirs); null for checkouts. */
  orderId: string | null;
  /** When the fact counts (ISO instant). */
  at: string;
  currency: string;
  amountMinor: number;
  items: number;
  test: boolean;
  /** The source's own version time: a stale order state never replaces a newer one. */
  updatedAt: string;
}

const MINUTE = 60_000;

/** Start of the UTC minute holding `iso`, in ms since the epoch: the `sales_1m` window of a fact. */
export function minuteOf(iso: string): number {
  return Math.floor(Date.parse(iso) / MINUTE) * MINUTE;
}

export function factsOf(event: CanonicalEvent): SalesFact[] {
  const scope = { platform: event.platform, shop: event.shop };
  switch (event.type) {
    case "order": {
      const order = event.order;
      const items = order.lines.reduce((sum, line) => sum + line.quantity, 0);
      const common = {
        ...scope,
        id: order.orderId,
        orderId: order.orderId,
        currency: order.currency,
        amountMinor: order.totalMinor,
        items,
        test: order.test,
        updatedAt: order.updatedAt,
      };
      const facts: SalesFact[] = [{ ...common, kind: "order", at: order.createdAt }];
      if (order.cancelledAt) facts.push({ ...common, kind: "cancel", at: order.cancelledAt });
      return facts;
    }
    case "refund":
      return [
        {
          ...scope,
          kind: "refund",
          id: event.refund.refundId,
          orderId: event.refund.orderId,
          at: event.refund.createdAt,
          currency: event.refund.currency,
          amountMinor: event.refund.amountMinor,
          items: event.refund.lines.reduce((sum, line) => sum + line.quantity, 0),
          test: false,
          updatedAt: event.refund.createdAt,
        },
      ];
    case "checkout":
      return [
        {
          ...scope,
          kind: "checkout",
          id: event.checkout.checkoutId,
          orderId: null,
          at: event.checkout.createdAt,
          currency: event.checkout.currency,
          amountMinor: event.checkout.totalMinor,
          items: 0,
          test: false,
          updatedAt: event.checkout.updatedAt,
        },
      ];
    default:
      return [];
  }
}

/**
 * Of several states of one order in a batch, only the newest counts (platforms deliver out of order);
 * the facts of older states are dropped. Refunds and checkouts pass unchanged.
 */
export function newestOrderStates(facts: SalesFact[]): SalesFact[] {
  const newest = new Map<string, number>();
  const key = (f: SalesFact) => `${f.platform}\u0000${f.shop}\u0000${f.id}`;
  for (const fact of facts) {
    if (fact.kind !== "order") continue;
    const at = Date.parse(fact.updatedAt);
    if (at >= (newest.get(key(fact)) ?? -Infinity)) newest.set(key(fact), at);
  }
  const kept: SalesFact[] = [];
  const seen = new Set<string>();
  for (const fact of facts) {
    if (fact.kind !== "order" && fact.kind !== "cancel") {
      kept.push(fact);
      continue;
    }
    if (Date.parse(fact.updatedAt) !== newest.get(key(fact))) continue;
    // Two deliveries of the very same state: keep one copy of each fact.
    const id = `${key(fact)}\u0000${fact.kind}`;
    if (seen.has(id)) continue;
    seen.add(id);
    kept.push(fact);
  }
  return kept;
}
