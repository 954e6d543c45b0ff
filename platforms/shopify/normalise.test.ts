import { describe, expect, it } from "vitest";
import { normaliseOrder, normaliseRefund, stockKey } from "./normalise.ts";
import { ShopifyOrder, ShopifyRefund } from "./payload.ts";

const set = (amount: string, currency = "JPY") => ({ shop_money: { amount, currency_code: currency } });

describe("normaliseOrder", () => {
  it("uses shop money in the currency's own minor units (JPY has none)", () => {
    const order = ShopifyOrder.parse({
      id: 1,
      name: "#1",
      created_at: "2026-03-29T01:30:00+01:00",
      updated_at: "2026-03-29T03:30:00+02:00",
      financial_status: "paid",
      total_price_set: set("3300"),
      subtotal_price_set: set("3000"),
      total_tax_set: set("300"),
      customer: null,
      line_items: [
        {
          id: 2,
          quantity: 3,
          sku: " MUG ",
          variant_id: 9,
          price_set: set("1000"),
          total_discount_set: set("0"),
        },
      ],
    });
    const result = normaliseOrder(order, () => "unused");
    expect(result).toMatchObject({
      createdAt: "2026-03-29T00:30:00.000Z",
      updatedAt: "2026-03-29T01:30:00.000Z",
      currency: "JPY",
      totalMinor: 3300,
      subtotalMinor: 3000,
      taxMinor: 300,
      discountMinor: 0,
      status: "sale",
      customerKey: null,
      lines: [{ lineId: "2", sku: "MUG", quantity: 3, unitPriceMinor: 1000, totalMinor: 3000 }],
    });
  });

  it("refuses an order whose amounts mix shop currencies", () => {
    const order = ShopifyOrder.parse({
      id: 1,
      created_at: "2026-01-01T00:00:00Z",
      updated_at: "2026-01-01T00:00:00Z",
      total_price_set: set("10.00", "USD"),
      total_tax_set: set("1.00", "EUR"),
      line_items: [],
    });
    expect(() => normaliseOrder(order, () => "")).toThrow(/mixed shop currencies/);
  });
});

describe("stockKey", () => {
  it("falls back from SKU to variant to line", () => {
    expect(stockKey("ABC", "1", "2")).toBe("ABC");
    expect(stockKey("  ", "1", "2")).toBe("variant:1");
    expect(stockKey(null, null, "2")).toBe("line:2");
  });
});

describe("normaliseRefund", () => {
  it("sums successful refund transactions only", () => {
    const refund = ShopifyRefund.parse({
      id: 5,
      order_id: 6,
      created_at: "2026-01-02T00:00:00Z",
      transactions: [
        { kind: "refund", status: "success", amount: "10.50", currency: "USD" },
        { kind: "refund", status: "failure", amount: "99.00", currency: "USD" },
        { kind: "refund", status: "success", amount: "0.25", currency: "USD" },
      ],
    });
    expect(normaliseRefund(refund)).toMatchObject({ amountMinor: 1075, currency: "USD", lines: [] });
  });
});
