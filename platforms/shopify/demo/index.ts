import { z } from "zod";
import { loadConfig } from "../../../core/env.ts";
import { demoSecret, timeZone } from "../../../demo/outlet-tools.ts";
import type { DemoOutlet } from "../../adapter.ts";
import { shopifyFeed, shopifyHeaders } from "./feed.ts";

/** The demo Shopify shop's name and zone (the demo storefront is that shop's too). */
export const shopEnv = z.object({
  DEMO_SHOP: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, "DEMO_SHOP must be a lower-case shop domain")
    .default("metricsdash-demo.myshopify.com"),
  DEMO_TIME_ZONE: timeZone("DEMO_TIME_ZONE").default("America/New_York"),
});

const env = shopEnv.extend({ SHOPIFY_API_SECRET: demoSecret("SHOPIFY_API_SECRET", "shopify") });

/** The demo's Shopify shop: always runs, signing with the app secret `.env` holds (or one for this run). */
export const shopifyDemo: DemoOutlet<typeof env> = {
  label: "Shopify",
  traffic: { share: 1, seedStep: 0 },
  orderCreatedTopic: "orders/create",
  env,
  wire: async (userEnv, tools) => {
    const { DEMO_SHOP, DEMO_TIME_ZONE } = loadConfig(shopEnv, { ...userEnv });
    const stackEnv: Record<string, string> = {};
    if (!userEnv.SHOPIFY_API_SECRET) stackEnv.SHOPIFY_API_SECRET = tools.secret();
    return {
      stackEnv,
      // Its zone otherwise comes only from the connect flow.
      timeZones: { [DEMO_SHOP]: DEMO_TIME_ZONE },
    };
  },
  shop: (config) => ({ shop: config.DEMO_SHOP, currency: "USD", timeZone: config.DEMO_TIME_ZONE, store: {} }),
  open: (config, shop) => ({
    feed: shopifyFeed,
    headers: (webhook, body) => shopifyHeaders(config.SHOPIFY_API_SECRET, shop.shop, webhook, body),
  }),
};
