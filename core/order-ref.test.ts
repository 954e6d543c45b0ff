import { describe, expect, it } from "vitest";
import { orderReference, MAX_ORDER_REF } from "./order-ref.ts";

describe("orderReference", () => {
  it("takes the first candidate with characters left, without # and outer white space", () => {
    expect(orderReference([undefined, "", "  ", " #1001 "])).toBe("1001");
    expect(orderReference(["WC-102", "999"])).toBe("WC-102");
    expect(orderReference(["#"])).toBeNull();
    expect(orderReference([])).toBeNull();
  });

  it("is bounded", () => {
    expect(orderReference(["x".repeat(500)])).toHaveLength(MAX_ORDER_REF);
  });
});
