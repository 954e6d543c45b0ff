import { describe, expect, it } from "vitest";
import { DirtySkus } from "./dirty.ts";

const SETTLE = 1000;
const key = (shop: string, sku: string) => ({ platform: "shopify", shop, sku });

describe("DirtySkus", () => {
  it("hands a marked SKU out at once and again when its lines have surely settled", () => {
    const dirty = new DirtySkus(SETTLE);
    dirty.mark(key("a", "MUG"), 0);
    expect(dirty.take(0)).toEqual({ skus: [key("a", "MUG")], shops: [] });
    expect(dirty.take(SETTLE - 1)).toEqual({ skus: [], shops: [] });
    expect(dirty.take(SETTLE)).toEqual({ skus: [key("a", "MUG")], shops: [] });
    expect(dirty.take(10 * SETTLE)).toEqual({ skus: [], shops: [] });
    expect(dirty.size).toBe(0);
  });

  it("marks a shop whole past its cap, holding no SKU of it, at the times of the last mark", () => {
    const dirty = new DirtySkus(SETTLE, 3);
    for (let i = 0; i < 3; i++) dirty.mark(key("big", `S${i}`), 0);
    dirty.mark(key("small", "ONE"), 0);
    expect(dirty.size).toBe(4);
    // The fourth SKU of "big" tips it over: one whole-shop mark replaces its SKUs.
    dirty.mark(key("big", "S3"), 10);
    for (let i = 4; i < 100; i++) dirty.mark(key("big", `S${i}`), 20);
    expect(dirty.size).toBe(2);
    expect(dirty.take(20)).toEqual({
      skus: [key("small", "ONE")],
      shops: [{ platform: "shopify", shop: "big" }],
    });
    // "small" is due again at 0 + SETTLE; "big" at 20 + SETTLE, as its last mark asked.
    expect(dirty.take(SETTLE)).toEqual({ skus: [key("small", "ONE")], shops: [] });
    expect(dirty.take(SETTLE + 20)).toEqual({ skus: [], shops: [{ platform: "shopify", shop: "big" }] });
    expect(dirty.size).toBe(0);
  });

  it("goes back to single SKUs once the whole-shop passes were handed out", () => {
    const dirty = new DirtySkus(SETTLE, 1);
    dirty.mark(key("s", "A"), 0);
    dirty.mark(key("s", "B"), 0);
    dirty.take(0);
    dirty.take(SETTLE);
    dirty.mark(key("s", "C"), 2 * SETTLE);
    expect(dirty.take(2 * SETTLE)).toEqual({ skus: [key("s", "C")], shops: [] });
  });

  it("takes a failed whole pass back as a whole shop, whatever SKUs were marked since", () => {
    const dirty = new DirtySkus(SETTLE, 10);
    dirty.mark(key("s", "A"), 0);
    dirty.markShop({ platform: "shopify", shop: "s" }, 5);
    expect(dirty.take(5)).toEqual({ skus: [], shops: [{ platform: "shopify", shop: "s" }] });
  });
});
