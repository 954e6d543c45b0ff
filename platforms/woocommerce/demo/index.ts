import { z } from "zod";
import { demoSecret, usersOwn } from "../../../demo/outlet-tools.ts";
import type { DemoOutlet } from "../../adapter.ts";
import { wooFeed, wooHeaders } from "./feed.ts";
import { wooOrderId } from "./payloads.ts";

export const WOO_DEMO = {
  siteUrl: "https://demo-woo.metricsdash.example/",
  /** The shop as ingest names it: the site's host (and path) from `X-WC-Webhook-Source`. */
  shop: "demo-woo.metricsdash.example",
  currency: "EUR",
  timeZone: "Europe/Berlin",
  taxRate: 0.19,
  taxLabel: "MwSt.",
  shippingMinor: 490,
  freeShippingFromMinor: 6000,
} as const;

const env = z.object({ WOOCOMMERCE_WEBHOOK_SECRET: demoSecret("WOOCOMMERCE_WEBHOOK_SECRET", "woocommerce") });

/** The demo's WooCommerce shop, unless the user set WooCommerce up (then it is theirs). */
export const wooCommerceDemo: DemoOutlet<typeof env> = {
  label: "WooCommerce",
  traffic: { share: 0.6, seedStep: 1 },
  orderCreatedTopic: "order.created",
  // WooCommerce's order number is its id; the shippers' WooCommerce plugins pass that on.
  orderReference: (spec) => String(wooOrderId(spec)),
  env,
  wire: async (userEnv, tools) => {
    const skipped = usersOwn(userEnv, "WOOCOMMERCE_", "WooCommerce");
    if (skipped) return { skipped };
    return {
      // The secret speaks only for the site it is bound to: the demo shop's.
      stackEnv: { WOOCOMMERCE_WEBHOOK_SECRET: tools.secret(), WOOCOMMERCE_STORE_URL: WOO_DEMO.siteUrl },
      // No WooCommerce API for the demo (its site URL is not ours to serve): its zone comes from
      // here, its currency from its orders.
      timeZones: { [WOO_DEMO.shop]: WOO_DEMO.timeZone },
    };
  },
  shop: () => ({
    shop: WOO_DEMO.shop,
    currency: WOO_DEMO.currency,
    timeZone: WOO_DEMO.timeZone,
    store: {
      taxRate: WOO_DEMO.taxRate,
      shippingMinor: WOO_DEMO.shippingMinor,
      freeShippingFromMinor: WOO_DEMO.freeShippingFromMinor,
    },
  }),
  open: (config) => ({
    feed: wooFeed({ siteUrl: WOO_DEMO.siteUrl, taxLabel: WOO_DEMO.taxLabel, taxRate: WOO_DEMO.taxRate }),
    headers: (webhook, body) =>
      wooHeaders(config.WOOCOMMERCE_WEBHOOK_SECRET, WOO_DEMO.siteUrl, webhook, body),
  }),
};
