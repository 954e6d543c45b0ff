import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../../core/events.ts";
import { factsOf, newestOrderStates } from "./facts.ts";
import { aggregateWindows, minuteRanges, type StoredFact } from "./windows.ts";

const M = 60_000;
const T0 = Date.parse("2026-11-01T10:00:00Z");
const fact = (f: Partial<StoredFact> & Pick<StoredFact, "kind" | "id">): StoredFact => ({
  orderId: f.kind === "checkout" ? null : f.id,
  at: T0,
  amountMinor: 0,
  items: 0,
  test: false,
  ...f,
});

describe("aggregateWindows", () => {
  it("counts orders at creation, cancellations at cancel time, refunds at refund time", () => {
    const facts = [
      fact({ kind: "order", id: "1", amountMinor: 5000, items: 2 }),
      fact({ kind: "order", id: "2", amountMinor: 3000, items: 1, at: T0 + 30_000 }),
      fact({ kind: "checkout", id: "c1" }),
      fact({ kind: "checkout", id: "c2" }),
      fact({ kind: "checkout", id: "c3" }),
      fact({ kind: "cancel", id: "2", amountMinor: 3000, items: 1, at: T0 + 5 * M }),
      fact({ kind: "refund", id: "r1", orderId: "1", amountMinor: 1200, at: T0 + 9 * M }),
    ];
    const windows = aggregateWindows([T0, T0 + 5 * M, T0 + 9 * M, T0 + 20 * M], facts, new Map());
    // Hand-computed: minute 0: 2 orders, 80.00, 3 items, 3 checkouts; minute 5: −1 order, −30.00, −1 item;
    // minute 9: refund 12.00, net −12.00; minute 20: nothing any more → a zero row.
    expect(
      windows.map((w) => [w.orders, w.revenueMinor, w.refundsMinor, w.netMinor, w.items, w.checkouts]),
    ).toEqual([
      [2, 8000, 0, 8000, 3, 3],
      [-1, -3000, 0, -3000, -1, 0],
      [0, 0, 1200, -1200, 0, 0],
      [0, 0, 0, 0, 0, 0],
    ]);
    expect(windows[0]).toMatchObject({ ordersCreated: 2, grossMinor: 8000, ordersCancelled: 0 });
    expect(windows[1]).toMatchObject({ ordersCreated: 0, ordersCancelled: 1, cancelledMinor: 3000 });
  });

  it("ignores test orders and does not take a cancelled order's refund out twice", () => {
    const facts = [
      fact({ kind: "order", id: "t", amountMinor: 999, items: 1, test: true }),
      fact({ kind: "refund", id: "rt", orderId: "t", amountMinor: 999 }),
      fact({ kind: "refund", id: "rc", orderId: "c", amountMinor: 4000 }),
      fact({ kind: "refund", id: "rk", orderId: "k", amountMinor: 100 }),
    ];
    const orders = new Map([
      ["t", { test: true, cancelled: false }],
      ["c", { test: false, cancelled: true }],
    ]);
    const [w] = aggregateWindows([T0], facts, orders);
    expect(w).toMatchObject({ orders: 0, revenueMinor: 0, refunds: 1, refundsMinor: 100, netMinor: -100 });
  });
});

describe("minuteRanges", () => {
  it("joins minutes within an hour of each other and keeps distant ones apart", () => {
    expect(minuteRanges([T0 + 2 * M, T0, T0 + 50 * M, T0 + 5 * 60 * M, T0])).toEqual([
      { from: T0, to: T0 + 51 * M },
      { from: T0 + 300 * M, to: T0 + 301 * M },
    ]);
  });
});

describe("facts of a batch", () => {
  const order = (updatedAt: string, cancelledAt: string | null): CanonicalEvent => ({
    v: 1,
    platform: "shopify",
    shop: "s",
    eventId: updatedAt,
    receivedAt: updatedAt,
    type: "order",
    order: {
      orderId: "9",
      orderNumber: null,
      createdAt: "2026-11-01T10:00:00.000Z",
      updatedAt,
      cancelledAt,
      status: cancelledAt ? "cancelled" : "sale",
      financialStatus: null,
      currency: "USD",
      totalMinor: 2500,
      subtotalMinor: 2500,
      taxMinor: 0,
      discountMinor: 0,
      shippingMinor: 0,
      test: false,
      customerKey: null,
      lines: [
        {
          lineId: "1",
          productId: null,
          variantId: null,
          sku: "A",
          quantity: 3,
          unitPriceMinor: 1,
          totalMinor: 3,
        },
      ],
    },
  });

  it("keep only the newest state of an order, and one copy of a repeated state", () => {
    const cancelled = order("2026-11-01T12:00:00.000Z", "2026-11-01T12:00:00.000Z");
    const facts = newestOrderStates([
      ...factsOf(cancelled),
      ...factsOf(order("2026-11-01T11:00:00.000Z", null)),
      ...factsOf(cancelled),
    ]);
    expect(facts.map((f) => [f.kind, f.at, f.items])).toEqual([
      ["order", "2026-11-01T10:00:00.000Z", 3],
      ["cancel", "2026-11-01T12:00:00.000Z", 3],
    ]);
  });
});
