import { z } from "zod";
import { demoSecret, usersOwn } from "../../../demo/outlet-tools.ts";
import type { DemoOutlet } from "../../adapter.ts";
import { startBigCommerceApi } from "./api.ts";
import { bigCommerceFeed, bigCommerceHeaders, BigCommerceState } from "./feed.ts";
import { bcOrderId } from "./payloads.ts";

export const BC_DEMO = {
  storeHash: "demobc1",
  storeId: "1004217",
  domain: "demo-bc.metricsdash.example",
  currency: "GBP",
  timeZone: "Europe/London",
  taxRate: 0.2,
  shippingMinor: 395,
  freeShippingFromMinor: 5000,
} as const;

const env = z.object({
  BIGCOMMERCE_WEBHOOK_SECRET: demoSecret("BIGCOMMERCE_WEBHOOK_SECRET", "bigcommerce"),
  /** The demo store's API token (the fetchers present it). */
  BIGCOMMERCE_ACCESS_TOKEN: demoSecret("BIGCOMMERCE_ACCESS_TOKEN", "bigcommerce"),
  BIGCOMMERCE_STORE_HASH: z
    .string()
    .regex(/^[a-z0-9]+$/, "BIGCOMMERCE_STORE_HASH must be lower-case letters and digits")
    .default(BC_DEMO.storeHash),
  /** Where the demo serves its BigCommerce store's API (the start command picks it and tells the processors). */
  DEMO_BIGCOMMERCE_API_PORT: z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? "DEMO_BIGCOMMERCE_API_PORT is required for the demo's bigcommerce shop"
          : undefined,
    })
    .transform(Number)
    .pipe(z.number().int().min(1).max(65535)),
  /** API requests per 30-second window (BigCommerce: 150 Standard/Plus, 450 Pro, more on Enterprise). */
  DEMO_BIGCOMMERCE_QUOTA: z.coerce.number().int().positive().default(25_000),
});

/**
 * The demo's BigCommerce shop, unless the user set BigCommerce up. Its webhooks are thin, so the
 * demo serves the store's API too, from the simulation's state: the processors fetch from it.
 */
export const bigCommerceDemo: DemoOutlet<typeof env> = {
  label: "BigCommerce",
  traffic: { share: 0.4, seedStep: 2 },
  orderCreatedTopic: "store/order/created",
  // BigCommerce numbers an order by its id; ShipStation's BigCommerce import passes that on.
  orderReference: (spec) => String(bcOrderId(spec)),
  env,
  wire: async (userEnv, tools) => {
    const skipped = usersOwn(userEnv, "BIGCOMMERCE_", "BigCommerce");
    if (skipped) return { skipped };
    const port = Number(userEnv.DEMO_BIGCOMMERCE_API_PORT) || (await tools.port());
    return {
      stackEnv: {
        BIGCOMMERCE_STORE_HASH: BC_DEMO.storeHash,
        BIGCOMMERCE_ACCESS_TOKEN: tools.secret(),
        BIGCOMMERCE_WEBHOOK_SECRET: tools.secret(),
        BIGCOMMERCE_API_URL: `http://127.0.0.1:${port}`,
      },
      demoEnv: { DEMO_BIGCOMMERCE_API_PORT: String(port) },
      // The processors call the API from their first catch-up on: it must answer before they start.
      serves: [port],
    };
  },
  shop: (config) => ({
    shop: config.BIGCOMMERCE_STORE_HASH,
    currency: BC_DEMO.currency,
    timeZone: BC_DEMO.timeZone,
    store: {
      taxRate: BC_DEMO.taxRate,
      shippingMinor: BC_DEMO.shippingMinor,
      freeShippingFromMinor: BC_DEMO.freeShippingFromMinor,
    },
  }),
  open: (config, shop, webhookUrl) => {
    // BigCommerce's API answers from the state the simulation reached, as the real one would.
    const state = new BigCommerceState();
    return {
      feed: bigCommerceFeed(
        { storeHash: shop.shop, storeId: BC_DEMO.storeId, domain: BC_DEMO.domain },
        state,
      ),
      headers: () => bigCommerceHeaders(config.BIGCOMMERCE_WEBHOOK_SECRET),
      serve: async (log) => {
        const api = await startBigCommerceApi(
          {
            state,
            storeHash: shop.shop,
            accessToken: config.BIGCOMMERCE_ACCESS_TOKEN,
            destination: webhookUrl,
            webhookSecret: config.BIGCOMMERCE_WEBHOOK_SECRET,
            quota: config.DEMO_BIGCOMMERCE_QUOTA,
          },
          { port: config.DEMO_BIGCOMMERCE_API_PORT },
        );
        log.info(
          { store: shop.shop, api: api.url, quotaPer30s: config.DEMO_BIGCOMMERCE_QUOTA },
          "demo store: BigCommerce API serving",
        );
        return () => api.close();
      },
    };
  },
};
