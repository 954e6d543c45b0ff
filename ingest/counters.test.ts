import { describe, expect, it } from "vitest";
import { Counters, MAX_KEYS, MAX_OUTCOME } from "./counters.ts";

describe("Counters", () => {
  it("keeps at most MAX_KEYS names however many topics a replayed delivery claims", () => {
    const counters = new Counters();
    for (let i = 0; i < 10_000; i++) counters.add("shopify", `ignored topic forged/${i}`);
    const snapshot = counters.snapshot();
    expect(Object.keys(snapshot)).toHaveLength(MAX_KEYS);
    // Every delivery is still counted once.
    expect(Object.values(snapshot).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(snapshot.other).toBe(10_000 - (MAX_KEYS - 1));
  });

  it("cuts a long outcome", () => {
    const counters = new Counters();
    counters.add("shopify", `ignored topic ${"x".repeat(5000)}`);
    const [key] = Object.keys(counters.snapshot());
    expect(key).toHaveLength("shopify: ".length + MAX_OUTCOME);
  });
});
