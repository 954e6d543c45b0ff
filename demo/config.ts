import { z } from "zod";

/** Whether `./metricsdash start` runs the demo store (default on; `DEMO_STORE=off` for a real shop). */
export const demoSwitchEnv = z.object({
  DEMO_STORE: z.enum(["on", "off"], { error: "DEMO_STORE must be on or off" }).default("on"),
});

export const demoEnv = z.object({
  /** The secret ingest verifies Shopify webhooks with; the demo signs with the same one, as Shopify would. */
  SHOPIFY_API_SECRET: z.string().min(16, "SHOPIFY_API_SECRET must be at least 16 characters"),
  DEMO_INGEST_URL: z.url().default("http://127.0.0.1:8080"),
  DEMO_SEED: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(42),
  /** Average orders per minute over a week; the daily and weekly rhythm move them around. */
  DEMO_ORDERS_PER_MINUTE: z.coerce.number().positive().max(200).default(1),
  /** Days of history sent on the first start. */
  DEMO_HISTORY_DAYS: z.coerce.number().min(0).max(30).default(7),
  DEMO_SHOP: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, "DEMO_SHOP must be a lower-case shop domain")
    .default("metricsdash-demo.myshopify.com"),
  DEMO_TIME_ZONE: z
    .string()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "DEMO_TIME_ZONE must be an IANA time zone")
    .default("America/New_York"),
  /** Webhooks in flight while the history is sent. */
  DEMO_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** Remembers what was sent, so a restart fills the gap instead of resending the week. */
  DEMO_STATE_FILE: z.string().default(".data/demo-store.json"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type DemoConfig = z.infer<typeof demoEnv>;
