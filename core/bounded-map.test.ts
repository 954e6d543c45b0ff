import { describe, expect, it } from "vitest";
import { BoundedMap } from "./bounded-map.ts";

describe("BoundedMap", () => {
  it("holds at most maxEntries however many keys are set, forgetting the least recently used", () => {
    const map = new BoundedMap<string, number>(3);
    for (let i = 0; i < 10_000; i++) map.set(`sku-${i}`, i);
    expect(map.size).toBe(3);
    expect([map.get("sku-9997"), map.get("sku-9998"), map.get("sku-9999")]).toEqual([9997, 9998, 9999]);
    expect(map.get("sku-0")).toBeUndefined();

    // Reading 9997 makes 9998 the oldest: the next key pushes 9998 out, not 9997.
    map.get("sku-9997");
    map.set("sku-new", 1);
    expect(map.get("sku-9998")).toBeUndefined();
    expect(map.get("sku-9997")).toBe(9997);
  });

  it("refuses a bound that is no positive integer", () => {
    expect(() => new BoundedMap(0)).toThrow(RangeError);
  });
});
