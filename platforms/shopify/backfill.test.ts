import { describe, expect, it } from "vitest";
import { newCheckpoint, progressOf } from "./backfill.ts";

describe("backfill progress", () => {
  const cp = newCheckpoint("acme.myshopify.com", 60, "bulk", Date.parse("2026-11-25T00:00:00Z"));

  it("fixes the window at install: 60 days before", () => {
    expect(cp.since).toBe("2026-09-26T00:00:00.000Z");
  });

  it("weighs a bulk export half for Shopify's export, half for publishing; inventory is the last 5 %", () => {
    const orders = { ...cp.orders, total: 1000, exported: 1000, published: 500 };
    // 0.95 × (0.5 × 1 + 0.5 × 0.5) = 0.7125
    expect(progressOf({ ...cp, orders })).toBeCloseTo(0.7125, 6);
    expect(progressOf({ ...cp, phase: "inventory", orders })).toBeCloseTo(0.95, 6);
    expect(progressOf({ ...cp, phase: "done", orders })).toBe(1);
    // A shop without orders in the window is through its orders at once.
    expect(progressOf({ ...cp, orders: { ...cp.orders, total: 0 } })).toBeCloseTo(0.95, 6);
  });
});
