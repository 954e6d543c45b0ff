import type { FactKind } from "./facts.ts";

/** A fact as read back from `sales_facts`. */
export interface StoredFact {
  kind: FactKind;
  id: string;
  orderId: string | null;
  /** ms since the epoch */
  at: number;
  amountMinor: number;
  items: number;
  test: boolean;
}

/** The columns of `sales_facts` a StoredFact is read from, in the order `storedFact` takes them. */
export const STORED_COLUMNS = "kind, id, order_id, ts, amount_minor, items, test";
export type StoredRow = [FactKind, string, string | null, string, number, number, boolean];

export function storedFact([kind, id, orderId, ts, amountMinor, items, test]: StoredRow): StoredFact {
  return { kind, id, orderId, at: Date.parse(ts), amountMinor, items, test };
}

/** What is known of the orders that refunds belong to. */
export interface OrderStatus {
  test: boolean;
  cancelled: boolean;
}

/** One `sales_1m` row. Derived columns are computed here once, so every reader gets the same definition. */
export interface SalesWindow {
  minute: number;
  ordersCreated: number;
  grossMinor: number;
  ordersCancelled: number;
  cancelledMinor: number;
  /** ordersCreated − ordersCancelled */
  orders: number;
  /** grossMinor − cancelledMinor: revenue, with cancellations leaving it when they happen */
  revenueMinor: number;
  refunds: number;
  refundsMinor: number;
  /** revenueMinor − refundsMinor */
  netMinor: number;
  items: number;
  checkouts: number;
}

export function emptyWindow(minute: number): SalesWindow {
  return {
    minute,
    ordersCreated: 0,
    grossMinor: 0,
    ordersCancelled: 0,
    cancelledMinor: 0,
    orders: 0,
    revenueMinor: 0,
    refunds: 0,
    refundsMinor: 0,
    netMinor: 0,
    items: 0,
    checkouts: 0,
  };
}

/**
 * Aggregates the facts of the given minutes into windows (one per minute, zero when nothing counts
 * any more). Test orders count nowhere, nor do their cancellations and refunds. A refund of a
 * cancelled order is not subtracted again: the cancellation already took the whole total out.
 */
export function aggregateWindows(
  minutes: Iterable<number>,
  facts: StoredFact[],
  orders: Map<string, OrderStatus>,
): SalesWindow[] {
  const windows = new Map<number, SalesWindow>();
  for (const minute of minutes) windows.set(minute, emptyWindow(minute));
  for (const fact of facts) {
    const window = windows.get(Math.floor(fact.at / 60_000) * 60_000);
    if (!window || fact.test) continue;
    switch (fact.kind) {
      case "order":
        window.ordersCreated += 1;
        window.grossMinor += fact.amountMinor;
        window.items += fact.items;
        break;
      case "cancel":
        window.ordersCancelled += 1;
        window.cancelledMinor += fact.amountMinor;
        window.items -= fact.items;
        break;
      case "refund": {
        const order = fact.orderId ? orders.get(fact.orderId) : undefined;
        if (order?.test || order?.cancelled) break;
        window.refunds += 1;
        window.refundsMinor += fact.amountMinor;
        break;
      }
      case "checkout":
        window.checkouts += 1;
        break;
    }
  }
  for (const window of windows.values()) {
    window.orders = window.ordersCreated - window.ordersCancelled;
    window.revenueMinor = window.grossMinor - window.cancelledMinor;
    window.netMinor = window.revenueMinor - window.refundsMinor;
  }
  return [...windows.values()].sort((a, b) => a.minute - b.minute);
}

/**
 * Groups minutes into ranges to read back at once: minutes closer than `gapMs` share one range, so a
 * batch touching today and a backfilled day two months ago reads two short ranges, not two months.
 */
export function minuteRanges(minutes: Iterable<number>, gapMs = 60 * 60_000): { from: number; to: number }[] {
  const sorted = [...new Set(minutes)].sort((a, b) => a - b);
  const ranges: { from: number; to: number }[] = [];
  for (const minute of sorted) {
    const last = ranges.at(-1);
    if (last && minute - last.to <= gapMs) last.to = minute + 60_000;
    else ranges.push({ from: minute, to: minute + 60_000 });
  }
  return ranges;
}
