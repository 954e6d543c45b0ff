import { describe, expect, it } from "vitest";
import { newCheckpoint } from "../platforms/shopify/backfill.ts";
import { newHistoryCheckpoint } from "./history.ts";
import { historyLine, progressLine } from "./progress-bar.ts";

describe("CLI progress line", () => {
  const start = Date.parse("2026-11-25T12:00:00Z");
  const cp = newCheckpoint("acme.myshopify.com", 60, "paginated", start);

  it("draws the share of orders published (orders weigh 95 %) and estimates the rest", () => {
    const line = progressLine(
      { ...cp, orders: { ...cp.orders, total: 1000, published: 500 } },
      start + 10_000,
      20,
    );
    // 500/1000 × 95 % = 47.5 % → 9.5 → 10 of 20 cells; 10 s for 47.5 % leaves ≈ 11 s.
    expect(line).toBe("[██████████░░░░░░░░░░]  47.5%  orders 500/1,000  stock levels 0  ~11 s left");
  });

  it("says done, with the time it took", () => {
    const line = progressLine(
      { ...cp, phase: "done", orders: { ...cp.orders, total: 3, published: 3 } },
      start + 42_000,
      4,
    );
    expect(line).toBe("[████] 100.0%  orders 3/3  stock levels 0  done in 42 s");
  });

  it("draws a WooCommerce or BigCommerce history: orders weigh 90 %, then the stock pages", () => {
    const history = newHistoryCheckpoint("woocommerce", "shop.example", 60, start);
    // 250 of 1,000 orders × 90 % = 22.5 % → 4.5 → 5 of 20 cells; 30 s for 22.5 % leaves 30 × 0.775 / 0.225 ≈ 103 s.
    expect(
      historyLine(
        { ...history, nextPage: 4, totalPages: 10, totalOrders: 1000, published: 250 },
        start + 30_000,
        20,
      ),
    ).toBe("[█████░░░░░░░░░░░░░░░]  22.5%  orders 250/1,000  page 3/10  ~103 s left");
    // Stock page 1 of 4 done: 90 % + 10 % × 1/4 = 92.5 % → 18.5 → 19 cells; 37 s for 92.5 % leaves 3 s.
    expect(
      historyLine(
        {
          ...history,
          phase: "stock",
          nextPage: 11,
          totalPages: 10,
          totalOrders: 1000,
          published: 1000,
          stockNextPage: 2,
          stockTotalPages: 4,
          levels: 250,
        },
        start + 37_000,
        20,
      ),
    ).toBe("[███████████████████░]  92.5%  orders 1,000/1,000  page 10/10  stock levels 250  ~3 s left");
    expect(
      historyLine(
        { ...history, phase: "done", nextPage: 2, totalPages: 1, totalOrders: 7, published: 7, levels: 3 },
        start + 5_000,
        4,
      ),
    ).toBe("[████] 100.0%  orders 7/7  page 1/1  stock levels 3  done in 5 s");
  });
});
