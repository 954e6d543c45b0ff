import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { Delivery } from "../adapter.ts";
import { loadAdapters } from "../load.ts";
import { woocommerce } from "./index.ts";

/** The hand-made hook's secret (WOOCOMMERCE_WEBHOOK_SECRET) speaks only for WOOCOMMERCE_STORE_URL's site. */

const SECRET = "hand-made-hook-secret-0123456789";
const body = Buffer.from('{"id":1}');
const signature = createHmac("sha256", SECRET).update(body).digest("base64");

function delivery(source: string): Delivery {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-wc-webhook-source": source,
    "x-wc-webhook-topic": "order.created",
    "x-wc-webhook-signature": signature,
  };
  return { header: (name) => headers[name], rawBody: body, receivedAt: new Date().toISOString() };
}

const adapter = (env: Record<string, string>) =>
  loadAdapters({ WOOCOMMERCE_WEBHOOK_SECRET: SECRET, ...env }, { customerHashKey: "k".repeat(32) }, [
    woocommerce,
  ])[0]!;

describe("the WooCommerce env secret", () => {
  it("verifies deliveries from WOOCOMMERCE_STORE_URL's site only", () => {
    const bound = adapter({ WOOCOMMERCE_STORE_URL: "https://shop.example/" });
    expect(bound.verify(delivery("https://shop.example/"))).toBe(true);
    expect(bound.verify(delivery("https://SHOP.example"))).toBe(true);
    // The same signature naming another site: that site's orders would land as someone else's.
    expect(bound.verify(delivery("https://victim.example/"))).toBe(false);
    expect(bound.verify(delivery("https://shop.example/other"))).toBe(false);
    expect(bound.verify(delivery("not a url"))).toBe(false);
  });

  it("refuses to start with the secret but no site to bind it to, naming the variable", () => {
    expect(() => adapter({})).toThrow(/WOOCOMMERCE_STORE_URL must be set .* with WOOCOMMERCE_WEBHOOK_SECRET/);
    expect(() => adapter({ WOOCOMMERCE_STORE_URL: "" })).toThrow(/WOOCOMMERCE_STORE_URL/);
  });

  it("names the variable when WOOCOMMERCE_STORE_URL is not a URL", () => {
    expect(() => adapter({ WOOCOMMERCE_STORE_URL: "shop" })).toThrow(/WOOCOMMERCE_STORE_URL/);
  });
});
