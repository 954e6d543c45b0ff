import { describe, expect, it } from "vitest";
import { loadConfig } from "../core/config.ts";
import { demoEnv } from "./config.ts";
import { demoShops } from "./shops.ts";
import { demoWiring } from "./wiring.ts";

let n = 0;
const secret = () => `generated-secret-${String(++n).padStart(8, "0")}`;

describe("demo wiring", () => {
  it("runs three shops when nothing is configured, with per-run secrets for ingest, processors and the demo", () => {
    n = 0;
    const wiring = demoWiring(
      { SHOPIFY_API_SECRET: "from-dot-env-0123456789" },
      { bigCommercePort: 23456, secret },
    );
    expect(wiring.platforms).toEqual(["shopify", "woocommerce", "bigcommerce"]);
    expect(wiring.skipped).toEqual([]);
    expect(wiring.stackEnv).toEqual({
      WOOCOMMERCE_WEBHOOK_SECRET: "generated-secret-00000001",
      BIGCOMMERCE_STORE_HASH: "demobc1",
      BIGCOMMERCE_ACCESS_TOKEN: "generated-secret-00000002",
      BIGCOMMERCE_WEBHOOK_SECRET: "generated-secret-00000003",
      BIGCOMMERCE_API_URL: "http://127.0.0.1:23456",
      SHOP_TIMEZONES: JSON.stringify({
        "metricsdash-demo.myshopify.com": "America/New_York",
        "demo-woo.metricsdash.example": "Europe/Berlin",
      }),
    });
    expect(wiring.demoEnv).toEqual({
      DEMO_BIGCOMMERCE_API_PORT: "23456",
      DEMO_PLATFORMS: "shopify,woocommerce,bigcommerce",
    });
    // What the demo process gets is a configuration its own loader accepts, naming three shops.
    const config = loadConfig(demoEnv, {
      SHOPIFY_API_SECRET: "from-dot-env-0123456789",
      ...wiring.stackEnv,
      ...wiring.demoEnv,
    });
    expect(demoShops(config).map((s) => [s.platform, s.shop, s.currency, s.timeZone])).toEqual([
      ["shopify", "metricsdash-demo.myshopify.com", "USD", "America/New_York"],
      ["woocommerce", "demo-woo.metricsdash.example", "EUR", "Europe/Berlin"],
      ["bigcommerce", "demobc1", "GBP", "Europe/London"],
    ]);
  });

  it("leaves a platform the user configured to the user, and says why", () => {
    const wiring = demoWiring(
      {
        SHOPIFY_API_SECRET: "from-dot-env-0123456789",
        BIGCOMMERCE_STORE_HASH: "abc123",
        BIGCOMMERCE_WEBHOOK_SECRET: "users-own-secret-0123456789",
        WOOCOMMERCE_STORE_URL: "",
      },
      { bigCommercePort: 1, secret },
    );
    expect(wiring.platforms).toEqual(["shopify", "woocommerce"]);
    expect(wiring.skipped).toEqual([
      {
        platform: "bigcommerce",
        because:
          "BIGCOMMERCE_STORE_HASH, BIGCOMMERCE_WEBHOOK_SECRET set: your own BigCommerce settings win, so the demo runs no BigCommerce shop",
      },
    ]);
    expect(Object.keys(wiring.stackEnv).filter((k) => k.startsWith("BIGCOMMERCE_"))).toEqual([]);
    expect(wiring.demoEnv.DEMO_BIGCOMMERCE_API_PORT).toBeUndefined();

    const woo = demoWiring(
      { WOOCOMMERCE_WEBHOOK_SECRET: "users-own-secret-0123456789" },
      { bigCommercePort: 1, secret },
    );
    expect(woo.platforms).toEqual(["shopify", "bigcommerce"]);
    expect(woo.stackEnv.WOOCOMMERCE_WEBHOOK_SECRET).toBeUndefined();
    expect(woo.stackEnv.SHOPIFY_API_SECRET).toMatch(/^generated-secret-/); // none in the env: one for this run
  });

  it("keeps the user's SHOP_TIMEZONES entries over the demo's, and leaves a broken one for the processors to name", () => {
    const wiring = demoWiring(
      {
        SHOPIFY_API_SECRET: "x".repeat(16),
        SHOP_TIMEZONES: '{"demo-woo.metricsdash.example":"Asia/Tokyo","a.example":"UTC"}',
      },
      { bigCommercePort: 1, secret },
    );
    expect(JSON.parse(wiring.stackEnv.SHOP_TIMEZONES!)).toEqual({
      "metricsdash-demo.myshopify.com": "America/New_York",
      "demo-woo.metricsdash.example": "Asia/Tokyo",
      "a.example": "UTC",
    });
    const broken = demoWiring(
      { SHOPIFY_API_SECRET: "x".repeat(16), SHOP_TIMEZONES: "{nope" },
      { bigCommercePort: 1, secret },
    );
    expect(broken.stackEnv.SHOP_TIMEZONES).toBeUndefined();
  });

  it("refuses a demo configuration that lacks a running shop's secret, naming it", () => {
    expect(() =>
      loadConfig(demoEnv, { DEMO_PLATFORMS: "shopify,bigcommerce", SHOPIFY_API_SECRET: "x".repeat(16) }),
    ).toThrow(/BIGCOMMERCE_WEBHOOK_SECRET is required for the demo's bigcommerce shop/);
    expect(() => loadConfig(demoEnv, { DEMO_PLATFORMS: "shopify,magento" })).toThrow(/DEMO_PLATFORMS/);
  });

  it("leaves the user's own settings of a platform it does not run unchecked", () => {
    const config = loadConfig(demoEnv, {
      DEMO_PLATFORMS: "shopify,woocommerce",
      SHOPIFY_API_SECRET: "x".repeat(16),
      WOOCOMMERCE_WEBHOOK_SECRET: "y".repeat(16),
      BIGCOMMERCE_STORE_HASH: "UserShop",
      BIGCOMMERCE_ACCESS_TOKEN: "short",
    });
    expect(demoShops(config).map((s) => s.platform)).toEqual(["shopify", "woocommerce"]);
  });
});
