import type { DemoConfig, DemoPlatform } from "./config.ts";
import type { DemoStoreOptions } from "./store.ts";

/**
 * The demo's shops: one per platform, sharing the simulation but not its traffic — each has its own
 * seed, rate, currency, zone, tax and shipping, so the unified view shows three different stores.
 */

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
  share: 0.6,
} as const;

export const BC_DEMO = {
  storeHash: "demobc1",
  storeId: "1004217",
  domain: "demo-bc.metricsdash.example",
  currency: "GBP",
  timeZone: "Europe/London",
  taxRate: 0.2,
  shippingMinor: 395,
  freeShippingFromMinor: 5000,
  share: 0.4,
} as const;

export interface DemoShop {
  platform: DemoPlatform;
  /** The shop token ingest publishes under. */
  shop: string;
  seed: number;
  ordersPerMinute: number;
  currency: string;
  timeZone: string;
  store: Pick<DemoStoreOptions, "taxRate" | "shippingMinor" | "freeShippingFromMinor">;
}

/** Seeds far apart (golden-ratio steps), so the shops' traffic never lines up. */
const seedFor = (seed: number, k: number) => (seed + k * 0x9e3779b9) >>> 0;
const rate = (perMinute: number, share: number) => Math.round(perMinute * share * 1000) / 1000;

export function demoShops(
  config: Pick<
    DemoConfig,
    | "DEMO_PLATFORMS"
    | "DEMO_SEED"
    | "DEMO_ORDERS_PER_MINUTE"
    | "DEMO_SHOP"
    | "DEMO_TIME_ZONE"
    | "BIGCOMMERCE_STORE_HASH"
  >,
): DemoShop[] {
  const all: DemoShop[] = [
    {
      platform: "shopify",
      shop: config.DEMO_SHOP,
      seed: config.DEMO_SEED,
      ordersPerMinute: config.DEMO_ORDERS_PER_MINUTE,
      currency: "USD",
      timeZone: config.DEMO_TIME_ZONE,
      store: {},
    },
    {
      platform: "woocommerce",
      shop: WOO_DEMO.shop,
      seed: seedFor(config.DEMO_SEED, 1),
      ordersPerMinute: rate(config.DEMO_ORDERS_PER_MINUTE, WOO_DEMO.share),
      currency: WOO_DEMO.currency,
      timeZone: WOO_DEMO.timeZone,
      store: {
        taxRate: WOO_DEMO.taxRate,
        shippingMinor: WOO_DEMO.shippingMinor,
        freeShippingFromMinor: WOO_DEMO.freeShippingFromMinor,
      },
    },
    {
      platform: "bigcommerce",
      shop: config.BIGCOMMERCE_STORE_HASH,
      seed: seedFor(config.DEMO_SEED, 2),
      ordersPerMinute: rate(config.DEMO_ORDERS_PER_MINUTE, BC_DEMO.share),
      currency: BC_DEMO.currency,
      timeZone: BC_DEMO.timeZone,
      store: {
        taxRate: BC_DEMO.taxRate,
        shippingMinor: BC_DEMO.shippingMinor,
        freeShippingFromMinor: BC_DEMO.freeShippingFromMinor,
      },
    },
  ];
  return all.filter((s) => config.DEMO_PLATFORMS.includes(s.platform));
}
