import { describe, expect, it } from "vitest";
import { ConfigError } from "../core/env.ts";
import { loadAdapters } from "./load.ts";

const shared = { customerHashKey: "k".repeat(32) };

describe("loadAdapters", () => {
  it("enables a platform when its variables are set", () => {
    const adapters = loadAdapters({ SHOPIFY_API_SECRET: "s".repeat(20) }, shared);
    expect(adapters.map((a) => a.platform)).toContain("shopify");
  });

  it("names the variable when a platform's setting is wrong", () => {
    expect(() => loadAdapters({ SHOPIFY_API_SECRET: "short" }, shared)).toThrow(ConfigError);
    expect(() => loadAdapters({ SHOPIFY_API_SECRET: "short" }, shared)).toThrow(/SHOPIFY_API_SECRET/);
  });

  it("runs WooCommerce and BigCommerce for connected stores with STORE_WEBHOOK_KEY alone, Shopify not", () => {
    const adapters = loadAdapters({}, { ...shared, storeWebhookKey: "w".repeat(32) });
    expect(adapters.map((a) => a.platform).sort()).toEqual(["bigcommerce", "woocommerce"]);
  });

  it("refuses to start with no platform at all, listing what would enable one", () => {
    expect(() => loadAdapters({}, shared)).toThrow(/no platform configured.*SHOPIFY_API_SECRET/);
  });
});
