import { z } from "zod";
import { demoOutlets } from "./outlets.ts";

/** Whether `./metricsdash start` runs the demo store (default on; `DEMO_STORE=off` for a real shop). */
export const demoSwitchEnv = z.object({
  DEMO_STORE: z.enum(["on", "off"], { error: "DEMO_STORE must be on or off" }).default("on"),
});

const names = demoOutlets.map((o) => o.platform);

/**
 * The demo process's own settings; each shop's come from its outlet's `env` (demo/shops.ts), checked
 * only for the shops that run: a user's own settings for a platform the demo leaves alone are none
 * of its business.
 */
export const demoEnv = z.object({
  /** Which shops run; the start command sets it (a user's own settings of a platform leave its shop out). */
  DEMO_PLATFORMS: z
    .string()
    .default(names.slice(0, 1).join(","))
    .transform((list) =>
      list
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(names, { error: `DEMO_PLATFORMS lists ${names.join(", ")}` }))
        .min(1, "DEMO_PLATFORMS must name at least one platform"),
    ),
  DEMO_INGEST_URL: z.url().default("http://127.0.0.1:8080"),
  DEMO_SEED: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(42),
  /** Average orders per minute over a week of a shop whose outlet's share is 1 (each outlet declares its share). */
  DEMO_ORDERS_PER_MINUTE: z.coerce.number().positive().max(200).default(1),
  /** Days of history sent on the first start. */
  DEMO_HISTORY_DAYS: z.coerce.number().min(0).max(30).default(7),
  /** Webhooks in flight while the history is sent. */
  DEMO_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(32),
  /** Remembers what was sent, so a restart fills the gap instead of resending the week. */
  DEMO_STATE_FILE: z.string().default(".data/demo-store.json"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export type DemoConfig = z.infer<typeof demoEnv>;
