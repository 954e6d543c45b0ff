import { describe, expect, it } from "vitest";
import { newCheckpoint, progressOf, readJsonl } from "./backfill.ts";

describe("bulk JSONL", () => {
  it("keeps roots in file order and finds children wherever ungrouped output puts them", () => {
    const text = [
      `{"id":"gid://shopify/Order/1"}`,
      `{"id":"gid://shopify/Order/2"}`,
      `{"id":"gid://shopify/LineItem/20","__parentId":"gid://shopify/Order/2"}`,
      `{"id":"gid://shopify/LineItem/10","__parentId":"gid://shopify/Order/1"}`,
      `{"id":"gid://shopify/LineItem/11","__parentId":"gid://shopify/Order/1"}`,
      "",
    ].join("\n");
    const { roots, children } = readJsonl(text);
    expect(roots).toEqual([{ id: "gid://shopify/Order/1" }, { id: "gid://shopify/Order/2" }]);
    expect(children.get("gid://shopify/Order/1")?.map((c) => (c as { id: string }).id)).toEqual([
      "gid://shopify/LineItem/10",
      "gid://shopify/LineItem/11",
    ]);
    expect(children.get("gid://shopify/Order/2")).toHaveLength(1);
  });

  it("names the line that is not JSON", () => {
    expect(() => readJsonl(`{"id":"a"}\n{oops`)).toThrow(/line 2 is not JSON/);
  });
});

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
