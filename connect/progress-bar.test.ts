import { describe, expect, it } from "vitest";
import { newCheckpoint } from "../platforms/shopify/backfill.ts";
import { shopifyHistoryStatus } from "../platforms/shopify/history-status.ts";
import { newHistoryCheckpoint } from "./history.ts";
import { progressLine } from "./progress-bar.ts";
import { checkpointStatus } from "./progress.ts";

/** The CLI's one progress line, drawn from the one progress shape whichever job runs the history. */
describe("CLI progress line", () => {
  const start = Date.parse("2026-11-25T12:00:00Z");
  const shopify = newCheckpoint("acme.myshopify.com", 60, "paginated", start);
  const woo = newHistoryCheckpoint("woocommerce", "shop.example", 60, start);

  it("draws a Shopify history's share (orders weigh 95 %) and estimates the rest", () => {
    const cp = { ...shopify, orders: { ...shopify.orders, total: 1000, published: 500 } };
    // 500/1000 × 95 % = 47.5 % → 9.5 → 10 of 20 cells; 10 s for 47.5 % leaves ≈ 11 s.
    expect(progressLine(shopifyHistoryStatus(cp), start + 10_000, 20)).toBe(
      "[██████████░░░░░░░░░░]  47.5%  orders 500/1,000  ~11 s left",
    );
  });

  it("says what Shopify's bulk export has done while it runs", () => {
    const bulk = newCheckpoint("acme.myshopify.com", 60, "bulk", start);
    const cp = { ...bulk, orders: { ...bulk.orders, total: 400, exported: 320 } };
    // Exported counts half: 320/400 × 50 % × 95 % = 38 % → 7.6 → 8 cells; 19 s for 38 % leaves 31 s.
    expect(progressLine(shopifyHistoryStatus(cp), start + 19_000, 20)).toBe(
      "[████████░░░░░░░░░░░░]  38.0%  orders 0/400  320 of 400 orders exported  ~31 s left",
    );
  });

  it("says done with the time it took until it finished, however long ago", () => {
    const cp = {
      ...shopify,
      phase: "done" as const,
      finishedAt: new Date(start + 42_000).toISOString(),
      orders: { ...shopify.orders, total: 3, published: 3 },
    };
    expect(progressLine(shopifyHistoryStatus(cp), start + 3_600_000, 4)).toBe(
      "[████] 100.0%  orders 3/3  done in 42 s",
    );
  });

  it("draws a WooCommerce or BigCommerce history: orders weigh 90 %, then the stock pages", () => {
    // 250 of 1,000 orders × 90 % = 22.5 % → 4.5 → 5 of 20 cells; 30 s for 22.5 % leaves 30 × 0.775 / 0.225 ≈ 103 s.
    const paging = { ...woo, nextPage: 4, totalPages: 10, totalOrders: 1000, published: 250 };
    expect(progressLine(checkpointStatus(paging), start + 30_000, 20)).toBe(
      "[█████░░░░░░░░░░░░░░░]  22.5%  orders 250/1,000  ~103 s left",
    );
    // Stock page 1 of 4 done: 90 % + 10 % × 1/4 = 92.5 % → 18.5 → 19 cells; 37 s for 92.5 % leaves 3 s.
    const stock = {
      ...paging,
      phase: "stock" as const,
      nextPage: 11,
      published: 1000,
      stockNextPage: 2,
      stockTotalPages: 4,
      levels: 250,
    };
    expect(progressLine(checkpointStatus(stock), start + 37_000, 20)).toBe(
      "[███████████████████░]  92.5%  orders 1,000/1,000  stock levels 250  ~3 s left",
    );
  });

  it("a failed history says so and why, with no estimate", () => {
    const failed = {
      ...woo,
      phase: "failed" as const,
      totalOrders: 1000,
      published: 500,
      error: "keys refused",
    };
    // 500/1000 × 90 % = 45 % → 9 of 20 cells.
    expect(progressLine(checkpointStatus(failed), start + 60_000, 20)).toBe(
      "[█████████░░░░░░░░░░░]  45.0%  orders 500/1,000  failed  (keys refused)",
    );
  });
});
