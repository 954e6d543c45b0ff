import { describe, expect, it } from "vitest";
import { customerKey } from "../../core/identity.ts";
import { parseJsonExact } from "../../core/json.ts";
import { orderPayload, shopifyJson, type OrderSpec } from "../../test/support/shopify-webhooks.ts";
import { graphqlOrder } from "../../test/fakes/shopify/schema.ts";
import { generateShop } from "../../test/fakes/shopify/store.ts";
import { GqlLineItem, GqlOrder, legacyId } from "./graphql.ts";
import { normaliseOrder } from "./normalise.ts";
import { normaliseGraphqlOrder } from "./normalise-graphql.ts";
import { ShopifyOrder } from "./payload.ts";

const SHOP = "equivalence.myshopify.com";
const keyOf = (id: string) => customerKey("test-customer-hash-key-0123456789abcdef", "shopify", SHOP, id);

/** The webhook path: REST JSON as Shopify sends it → exact parse → zod → normaliser. */
function viaWebhook(spec: OrderSpec) {
  const body = parseJsonExact(shopifyJson(orderPayload(spec)));
  return normaliseOrder(ShopifyOrder.parse(body), keyOf);
}

/** The backfill path: the same order as the GraphQL Admin API answers it (JSON round trip included). */
function viaGraphql(spec: OrderSpec) {
  const rendered = graphqlOrder(spec, true);
  const lines = rendered.lineItems({}).nodes;
  const wire = JSON.parse(JSON.stringify({ order: rendered, lines })) as { order: unknown; lines: unknown[] };
  return normaliseGraphqlOrder(
    GqlOrder.parse(wire.order),
    wire.lines.map((l) => GqlLineItem.parse(l)),
    keyOf,
  );
}

describe("GraphQL → canonical normaliser", () => {
  it("yields the canonical order the webhook path yields, for every order of a generated shop", () => {
    const { orders } = generateShop({ domain: SHOP, orders: 400, seed: 7 });
    // The generator covers cancelled, test, customer-less and SKU-less orders; make sure it did.
    expect(orders.some((o) => o.cancelledAt)).toBe(true);
    expect(orders.some((o) => o.customerId === null)).toBe(true);
    expect(orders.some((o) => o.lines.some((l) => l.sku === ""))).toBe(true);
    for (const spec of orders) expect(viaGraphql(spec), `order ${spec.id}`).toEqual(viaWebhook(spec));
  });

  it("agrees on edge cases: ids above 2^53, null variant and product, offsets, zero-decimal currency", () => {
    const specs: OrderSpec[] = [
      {
        id: 5_920_000_000_000_000_001n,
        createdAt: "2026-11-25T09:30:00-05:00",
        updatedAt: "2026-11-25T10:00:00-05:00",
        lines: [
          { id: 13_000_000_000_000_000_001n, priceCents: 1999, quantity: 3, sku: "  TEE-RED-M " },
          {
            id: 13_000_000_000_000_000_002n,
            priceCents: 500,
            quantity: 2,
            discountCents: 100,
            sku: null,
            variantId: null,
            productId: null,
          },
        ],
        shippingCents: 499,
        taxCents: 552,
        financialStatus: "partially_refunded",
      },
      {
        id: 42n,
        createdAt: "2026-11-20T23:59:59Z",
        currency: "JPY",
        lines: [{ id: 43n, priceCents: 1500, quantity: 1, sku: "" }],
        cancelledAt: "2026-11-21T08:00:00+09:00",
        customerId: null,
        test: true,
      },
    ];
    for (const spec of specs) expect(viaGraphql(spec)).toEqual(viaWebhook(spec));
  });

  it("computes the money by hand-checkable rules (not only agreeing with the other path)", () => {
    // 19.99 × 3 = 59.97; 5.00 × 2 − 1.00 = 9.00; subtotal 68.97; + 4.99 shipping + 5.52 tax = 79.48.
    const order = viaGraphql({
      id: 1001n,
      createdAt: "2026-11-25T14:30:00Z",
      lines: [
        { id: 1n, priceCents: 1999, quantity: 3, sku: "A" },
        { id: 2n, priceCents: 500, quantity: 2, discountCents: 100, sku: "", variantId: 77n },
      ],
      shippingCents: 499,
      taxCents: 552,
    });
    expect(order).toMatchObject({
      orderId: "1001",
      totalMinor: 7948,
      subtotalMinor: 6897,
      shippingMinor: 499,
      taxMinor: 552,
      discountMinor: 100,
      financialStatus: "paid",
      status: "sale",
      createdAt: "2026-11-25T14:30:00.000Z",
    });
    expect(order.lines.map((l) => [l.lineId, l.sku, l.totalMinor])).toEqual([
      ["1", "A", 5997],
      ["2", "variant:77", 900],
    ]);
  });

  it("turns global ids into the numeric ids webhooks carry and refuses anything else", () => {
    expect(legacyId("gid://shopify/Order/5920000000000000001")).toBe("5920000000000000001");
    expect(legacyId("gid://shopify/InventoryLevel/123?inventory_item_id=9")).toBe("123");
    expect(() => legacyId("5920000000000000001")).toThrow(/global id/);
  });
});
