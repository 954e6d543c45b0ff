import { describe, expect, it } from "vitest";
import { loadConfig } from "../core/config.ts";
import { demoEnv } from "./config.ts";
import { openFollowers } from "./followers.ts";
import { demoShops } from "./shops.ts";
import { demoWiring } from "./wiring.ts";

let n = 0;
const secret = () => `generated-secret-${String(++n).padStart(8, "0")}`;

describe("demo wiring", () => {
  it("runs three shops when nothing is configured, with per-run secrets for ingest, processors and the demo", async () => {
    n = 0;
    const wiring = await demoWiring(
      { SHOPIFY_API_SECRET: "from-dot-env-0123456789" },
      { port: async () => 23456, secret },
    );
    expect(wiring.platforms).toEqual(["shopify", "woocommerce", "bigcommerce"]);
    expect(wiring.skipped).toEqual([]);
    expect(wiring.stackEnv).toEqual({
      WOOCOMMERCE_WEBHOOK_SECRET: "generated-secret-00000001",
      WOOCOMMERCE_STORE_URL: "https://demo-woo.metricsdash.example/",
      BIGCOMMERCE_STORE_HASH: "demobc1",
      BIGCOMMERCE_ACCESS_TOKEN: "generated-secret-00000002",
      BIGCOMMERCE_WEBHOOK_SECRET: "generated-secret-00000003",
      BIGCOMMERCE_API_URL: "http://127.0.0.1:23456",
      STRIPE_WEBHOOK_SECRET: "whsec_generated-secret-00000004",
      PAYPAL_WEBHOOK_ID: "GENERATEDSECRET00000005",
      PAYPAL_CERT_BASE_URL: "http://127.0.0.1:23456",
      PAYPAL_CERT_CA: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/),
      SHIPSTATION_WEBHOOK_TOKEN: "generated-secret-00000006",
      SHIPSTATION_API_KEY: "generated-secret-00000007",
      SHIPSTATION_API_SECRET: "generated-secret-00000008",
      SHIPSTATION_API_URL: "http://127.0.0.1:23456",
      SHIPPO_WEBHOOK_TOKEN: "generated-secret-00000009",
      SHOP_TIMEZONES: JSON.stringify({
        "metricsdash-demo.myshopify.com": "America/New_York",
        "demo-woo.metricsdash.example": "Europe/Berlin",
      }),
    });
    expect(wiring.demoEnv).toEqual({
      DEMO_BIGCOMMERCE_API_PORT: "23456",
      DEMO_SHIPSTATION_API_PORT: "23456",
      DEMO_PAYPAL_CERT_PORT: "23456",
      DEMO_PAYPAL_CERT_CHAIN: expect.stringMatching(/CERTIFICATE-----[\s\S]+BEGIN CERTIFICATE/),
      DEMO_PAYPAL_SIGNING_KEY: expect.stringMatching(/^-----BEGIN PRIVATE KEY-----/),
      DEMO_PLATFORMS: "shopify,woocommerce,bigcommerce",
      DEMO_FOLLOWERS: "stripe,paypal,shipstation,shippo",
    });
    expect(wiring.followers).toEqual(["stripe", "paypal", "shipstation", "shippo"]);
    // What the demo process gets is a configuration its own loader accepts, naming three shops.
    const processEnv = {
      SHOPIFY_API_SECRET: "from-dot-env-0123456789",
      ...wiring.stackEnv,
      ...wiring.demoEnv,
    };
    expect(wiring.serves).toEqual([23456, 23456]);
    // The followers open on what the demo process gets, the shippers' webhooks carrying ingest's
    // token, Stripe's and PayPal's their signatures (checked in test/demo-payments.test.ts).
    expect(
      openFollowers(processEnv, 42, "http://127.0.0.1:8080").map((f) => [f.platform, f.delivery.url]),
    ).toEqual([
      ["stripe", "http://127.0.0.1:8080/webhooks/stripe"],
      ["paypal", "http://127.0.0.1:8080/webhooks/paypal"],
      ["shipstation", "http://127.0.0.1:8080/webhooks/shipstation?token=generated-secret-00000006"],
      ["shippo", "http://127.0.0.1:8080/webhooks/shippo?token=generated-secret-00000009"],
    ]);
    expect(
      demoShops(loadConfig(demoEnv, processEnv), processEnv).map((s) => [
        s.platform,
        s.shop,
        s.currency,
        s.timeZone,
      ]),
    ).toEqual([
      ["shopify", "metricsdash-demo.myshopify.com", "USD", "America/New_York"],
      ["woocommerce", "demo-woo.metricsdash.example", "EUR", "Europe/Berlin"],
      ["bigcommerce", "demobc1", "GBP", "Europe/London"],
    ]);
  });

  it("leaves a platform the user configured to the user, and says why", async () => {
    const wiring = await demoWiring(
      {
        SHOPIFY_API_SECRET: "from-dot-env-0123456789",
        BIGCOMMERCE_STORE_HASH: "abc123",
        BIGCOMMERCE_WEBHOOK_SECRET: "users-own-secret-0123456789",
        WOOCOMMERCE_STORE_URL: "",
      },
      { port: async () => 1, secret },
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

    const woo = await demoWiring(
      { WOOCOMMERCE_WEBHOOK_SECRET: "users-own-secret-0123456789" },
      { port: async () => 1, secret },
    );
    expect(woo.platforms).toEqual(["shopify", "bigcommerce"]);
    expect(woo.stackEnv.WOOCOMMERCE_WEBHOOK_SECRET).toBeUndefined();
    expect(woo.stackEnv.SHOPIFY_API_SECRET).toMatch(/^generated-secret-/); // none in the env: one for this run
  });

  it("leaves a shipper the user configured to the user, and refuses a shipper without its token", async () => {
    const wiring = await demoWiring(
      { SHIPSTATION_API_KEY: "users-own-key", SHIPPO_WEBHOOK_TOKEN: "" },
      { port: async () => 1, secret },
    );
    expect(wiring.followers).toEqual(["stripe", "paypal", "shippo"]);
    expect(wiring.skipped).toEqual([
      {
        platform: "shipstation",
        because:
          "SHIPSTATION_API_KEY set: your own ShipStation settings win, so the demo runs no ShipStation account",
      },
    ]);
    expect(Object.keys(wiring.stackEnv).filter((k) => k.startsWith("SHIPSTATION_"))).toEqual([]);
    expect(wiring.demoEnv.DEMO_FOLLOWERS).toBe("stripe,paypal,shippo");
    expect(() => openFollowers({ DEMO_FOLLOWERS: "shipstation,shippo" }, 1, "http://127.0.0.1:1")).toThrow(
      /SHIPSTATION_WEBHOOK_TOKEN is required[\s\S]*SHIPPO_WEBHOOK_TOKEN is required/,
    );
    expect(() => openFollowers({ DEMO_FOLLOWERS: "fedex" }, 1, "http://127.0.0.1:1")).toThrow(
      /DEMO_FOLLOWERS/,
    );
  });

  it("leaves Stripe to a user who set any STRIPE_ variable, and refuses a demo Stripe secret that is not a whsec_", async () => {
    const wiring = await demoWiring({ STRIPE_API_KEY: "sk_test_users_own" }, { port: async () => 1, secret });
    expect(wiring.followers).toEqual(["paypal", "shipstation", "shippo"]);
    expect(wiring.skipped).toEqual([
      {
        platform: "stripe",
        because: "STRIPE_API_KEY set: your own Stripe settings win, so the demo runs no Stripe account",
      },
    ]);
    expect(Object.keys(wiring.stackEnv).filter((k) => k.startsWith("STRIPE_"))).toEqual([]);
    expect(() =>
      openFollowers(
        { DEMO_FOLLOWERS: "stripe", STRIPE_WEBHOOK_SECRET: "not-a-stripe-secret-0123" },
        1,
        "http://127.0.0.1:1",
      ),
    ).toThrow(/STRIPE_WEBHOOK_SECRET must start with whsec_/);
  });

  it("keeps the user's SHOP_TIMEZONES entries over the demo's, and leaves a broken one for the processors to name", async () => {
    const wiring = await demoWiring(
      {
        SHOPIFY_API_SECRET: "x".repeat(16),
        SHOP_TIMEZONES: '{"demo-woo.metricsdash.example":"Asia/Tokyo","a.example":"UTC"}',
      },
      { port: async () => 1, secret },
    );
    expect(JSON.parse(wiring.stackEnv.SHOP_TIMEZONES!)).toEqual({
      "metricsdash-demo.myshopify.com": "America/New_York",
      "demo-woo.metricsdash.example": "Asia/Tokyo",
      "a.example": "UTC",
    });
    const broken = await demoWiring(
      { SHOPIFY_API_SECRET: "x".repeat(16), SHOP_TIMEZONES: "{nope" },
      { port: async () => 1, secret },
    );
    expect(broken.stackEnv.SHOP_TIMEZONES).toBeUndefined();
  });

  it("refuses a demo configuration that lacks a running shop's secret, naming it", () => {
    const env = { DEMO_PLATFORMS: "shopify,bigcommerce", SHOPIFY_API_SECRET: "x".repeat(16) };
    expect(() => demoShops(loadConfig(demoEnv, env), env)).toThrow(
      /BIGCOMMERCE_WEBHOOK_SECRET: BIGCOMMERCE_WEBHOOK_SECRET is required for the demo's bigcommerce shop/,
    );
    // Every outlet's problems at once, each naming its variable.
    expect(() => demoShops(loadConfig(demoEnv, env), env)).toThrow(/DEMO_BIGCOMMERCE_API_PORT is required/);
    expect(() => loadConfig(demoEnv, { DEMO_PLATFORMS: "shopify,magento" })).toThrow(/DEMO_PLATFORMS/);
  });

  it("leaves the user's own settings of a platform it does not run unchecked", () => {
    const env = {
      DEMO_PLATFORMS: "shopify,woocommerce",
      SHOPIFY_API_SECRET: "x".repeat(16),
      WOOCOMMERCE_WEBHOOK_SECRET: "y".repeat(16),
      BIGCOMMERCE_STORE_HASH: "UserShop",
      BIGCOMMERCE_ACCESS_TOKEN: "short",
    };
    expect(demoShops(loadConfig(demoEnv, env), env).map((s) => s.platform)).toEqual([
      "shopify",
      "woocommerce",
    ]);
  });
});
