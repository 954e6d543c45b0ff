import { describe, expect, it } from "vitest";
import type { Delivery } from "../adapter.ts";
import { shopify } from "./index.ts";
import { shopifySignature } from "./webhook-headers.ts";

const secret = "checkout-test-secret-0123456789";
const adapter = shopify.create({ SHOPIFY_API_SECRET: secret }, { customerHashKey: "k".repeat(32) });

function delivery(topic: string, body: string): Delivery {
  const headers: Record<string, string> = {
    "x-shopify-topic": topic,
    "x-shopify-shop-domain": "Shop.MyShopify.com",
    "x-shopify-event-id": "evt-1",
    "x-shopify-hmac-sha256": shopifySignature(secret, body),
  };
  return {
    header: (name) => headers[name],
    rawBody: Buffer.from(body),
    receivedAt: "2026-11-01T10:00:05.000Z",
  };
}

describe("shopify checkouts/create", () => {
  // The abandoned-checkout resource as webhooks send it (trimmed): personal data included, ids as numbers.
  const body = JSON.stringify({
    id: 450789469,
    token: "2a1ace52255252df566af0faaedfbfa7",
    email: "bob.norman@example.com",
    created_at: "2026-11-01T05:59:42-04:00",
    updated_at: "2026-11-01T06:00:12-04:00",
    completed_at: null,
    currency: "USD",
    presentment_currency: "USD",
    total_price: "398.00",
    billing_address: { first_name: "Bob", last_name: "Norman" },
  });

  it("becomes a canonical checkout event with UTC instants and minor units, without personal data", () => {
    const verified = delivery("checkouts/create", body);
    expect(adapter.verify(verified)).toBe(true);
    const result = adapter.handle(verified);
    expect(result).toEqual({
      kind: "publish",
      events: [
        {
          v: 1,
          platform: "shopify",
          shop: "shop.myshopify.com",
          eventId: "checkouts/create:evt-1",
          receivedAt: "2026-11-01T10:00:05.000Z",
          type: "checkout",
          checkout: {
            checkoutId: "450789469",
            createdAt: "2026-11-01T09:59:42.000Z",
            updatedAt: "2026-11-01T10:00:12.000Z",
            currency: "USD",
            totalMinor: 39800,
            completedAt: null,
          },
        },
      ],
    });
    expect(JSON.stringify(result)).not.toMatch(/bob|norman/i);
  });

  it("records no value when the buyer paid in another currency than the shop's", () => {
    const foreign = body.replace('"presentment_currency":"USD"', '"presentment_currency":"EUR"');
    const result = adapter.handle(delivery("checkouts/create", foreign));
    expect(result.kind === "publish" && result.events[0]).toMatchObject({
      checkout: { currency: "USD", totalMinor: 0 },
    });
  });

  it("rejects a checkout without its creation time, naming the field", () => {
    expect(() =>
      adapter.handle(delivery("checkouts/create", JSON.stringify({ id: 1, currency: "USD" }))),
    ).toThrow(/created_at/);
  });
});
