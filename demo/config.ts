import { z } from "zod";
import { BC_DEMO } from "./shops.ts";

/** Whether `./metricsdash start` runs the demo store (default on; `DEMO_STORE=off` for a real shop). */
export const demoSwitchEnv = z.object({
  DEMO_STORE: z.enum(["on", "off"], { error: "DEMO_STORE must be on or off" }).default("on"),
});

export const DEMO_PLATFORMS = ["shopify", "woocommerce", "bigcommerce"] as const;
export type DemoPlatform = (typeof DEMO_PLATFORMS)[number];

const timeZone = (name: string) =>
  z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, `${name} must be an IANA time zone`);

/** The Shopify shop's name and zone (the other two shops are fixed: see shops.ts). */
export const demoShopifyEnv = z.object({
  DEMO_SHOP: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, "DEMO_SHOP must be a lower-case shop domain")
    .default("metricsdash-demo.myshopify.com"),
  DEMO_TIME_ZONE: timeZone("DEMO_TIME_ZONE").default("America/New_York"),
});

export const demoEnv = demoShopifyEnv
  .extend({
    /** Which shops run; the start command sets it (a user's own WooCommerce/BigCommerce settings leave theirs out). */
    DEMO_PLATFORMS: z
      .string()
      .default("shopify")
      .transform((list) =>
        list
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(z.enum(DEMO_PLATFORMS, { error: `DEMO_PLATFORMS lists ${DEMO_PLATFORMS.join(", ")}` }))
          .min(1, "DEMO_PLATFORMS must name at least one platform"),
      ),
    /**
     * The secrets ingest verifies each platform with; the demo signs with the same, as the platform
     * would. Checked only for the shops that run: a user's own settings for a platform the demo
     * leaves alone are none of its business.
     */
    SHOPIFY_API_SECRET: z.string().optional(),
    WOOCOMMERCE_WEBHOOK_SECRET: z.string().optional(),
    BIGCOMMERCE_WEBHOOK_SECRET: z.string().optional(),
    /** The demo BigCommerce store's hash and API token (the fetchers present it). */
    BIGCOMMERCE_STORE_HASH: z.string().default(BC_DEMO.storeHash),
    BIGCOMMERCE_ACCESS_TOKEN: z.string().optional(),
    /** Where the demo serves its BigCommerce store's API (start.ts picks it and tells the processors). */
    DEMO_BIGCOMMERCE_API_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** API requests per 30-second window (BigCommerce: 150 Standard/Plus, 450 Pro, more on Enterprise). */
    DEMO_BIGCOMMERCE_QUOTA: z.coerce.number().int().positive().default(25_000),
    DEMO_INGEST_URL: z.url().default("http://127.0.0.1:8080"),
    DEMO_SEED: z.coerce
      .number()
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .default(42),
    /** Average Shopify orders per minute over a week (WooCommerce 0.6×, BigCommerce 0.4× of it). */
    DEMO_ORDERS_PER_MINUTE: z.coerce.number().positive().max(200).default(1),
    /** Days of history sent on the first start. */
    DEMO_HISTORY_DAYS: z.coerce.number().min(0).max(30).default(7),
    /** Webhooks in flight while the history is sent. */
    DEMO_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
    /** Remembers what was sent, so a restart fills the gap instead of resending the week. */
    DEMO_STATE_FILE: z.string().default(".data/demo-store.json"),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .superRefine((env, ctx) => {
    const problem = (name: string, message: string) =>
      ctx.addIssue({ code: "custom", path: [name], message });
    const secret = (
      platform: DemoPlatform,
      name:
        | "SHOPIFY_API_SECRET"
        | "WOOCOMMERCE_WEBHOOK_SECRET"
        | "BIGCOMMERCE_WEBHOOK_SECRET"
        | "BIGCOMMERCE_ACCESS_TOKEN",
    ) => {
      const value = env[name];
      if (value === undefined) problem(name, `${name} is required for the demo's ${platform} shop`);
      else if (value.length < 16) problem(name, `${name} must be at least 16 characters`);
    };
    if (env.DEMO_PLATFORMS.includes("shopify")) secret("shopify", "SHOPIFY_API_SECRET");
    if (env.DEMO_PLATFORMS.includes("woocommerce")) secret("woocommerce", "WOOCOMMERCE_WEBHOOK_SECRET");
    if (env.DEMO_PLATFORMS.includes("bigcommerce")) {
      secret("bigcommerce", "BIGCOMMERCE_WEBHOOK_SECRET");
      secret("bigcommerce", "BIGCOMMERCE_ACCESS_TOKEN");
      if (!/^[a-z0-9]+$/.test(env.BIGCOMMERCE_STORE_HASH))
        problem("BIGCOMMERCE_STORE_HASH", "BIGCOMMERCE_STORE_HASH must be lower-case letters and digits");
      if (env.DEMO_BIGCOMMERCE_API_PORT === undefined)
        problem(
          "DEMO_BIGCOMMERCE_API_PORT",
          "DEMO_BIGCOMMERCE_API_PORT is required for the demo's bigcommerce shop",
        );
    }
  });

export type DemoConfig = z.infer<typeof demoEnv>;
