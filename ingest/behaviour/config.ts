import { z } from "zod";
import { commonEnv, unsetIfEmpty } from "../../core/config.ts";
import { SiteId } from "../../core/interaction.ts";
import { FunnelPatterns } from "./funnel.ts";

const origin = z.string().refine((value) => {
  try {
    return new URL(value).origin === value;
  } catch {
    return false;
  }
}, "must be an origin like https://shop.example (scheme, host, port; no path or trailing slash)");

export const BehaviourSite = z.object({
  shop: z.string().min(1).max(255),
  platform: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, "must be a platform name like shopify"),
  origins: z.array(origin).min(1).max(20),
  /** URL patterns of the funnel's product, cart and checkout pages; the platform's defaults otherwise. */
  funnel: FunnelPatterns.optional(),
});
export type BehaviourSite = z.infer<typeof BehaviourSite>;

const sites = z.preprocess(
  (value, ctx) => {
    if (typeof value !== "string" || value.trim() === "") return {};
    try {
      return JSON.parse(value) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "BEHAVIOUR_SITES must be JSON" });
      return z.NEVER;
    }
  },
  z.record(SiteId, BehaviourSite).refine((all) => Object.keys(all).length <= 1000, "at most 1000 sites"),
);

/** The browser SDK's endpoints (the behaviour process): which sites may send, how much, and the overlay's key. */
export const behaviourEnv = z.object({
  /** `{ "<site id>": { "shop": "<shop>", "platform": "<platform>", "origins": ["https://…"] } }`. */
  BEHAVIOUR_SITES: sites,
  /**
   * Most sites of connected stores the behaviour process follows from the `behaviour_sites` bucket (beside
   * BEHAVIOUR_SITES); one more is refused, and logged, until one leaves.
   */
  BEHAVIOUR_CONNECTED_SITES_MAX: z.coerce.number().int().min(0).max(100_000).default(10_000),
  /**
   * Largest beacon accepted; the SDK sends at most 100 events (≈ 15 KB). Not BEHAVIOUR_MAX_BYTES:
   * that name is the BEHAVIOUR stream's disk (core/config.ts), and one variable for both let a
   * stream size become the largest body accepted.
   */
  BEHAVIOUR_BEACON_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(1024 * 1024)
    .default(32 * 1024),
  /** Beacons per second one site may send (a bucket of two seconds' worth absorbs bursts). */
  BEHAVIOUR_SITE_RATE: z.coerce.number().positive().default(500),
  /** Beacons per minute one client address may send; a visitor sends about 20. */
  BEHAVIOUR_CLIENT_RATE: z.coerce.number().positive().default(120),
  /** Take the client address from the last X-Forwarded-For hop (set when it runs behind a proxy). */
  BEHAVIOUR_TRUST_PROXY: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Signs the dashboard's overlay links (`?md_heatmap=`); without it the overlay is off. */
  HEATMAP_TOKEN_KEY: unsetIfEmpty(z.string().min(16, "HEATMAP_TOKEN_KEY must be at least 16 characters")),
  /**
   * What a person types (HTTP Basic, any user name) when following a dashboard's "open the heatmap"
   * link, so the behaviour process mints the overlay token and Grafana never holds the key; unset, those links are off.
   */
  HEATMAP_OPEN_PASSWORD: unsetIfEmpty(
    z.string().min(12, "HEATMAP_OPEN_PASSWORD must be at least 12 characters"),
  ),
});
export type BehaviourConfig = z.infer<typeof behaviourEnv>;

/**
 * The behaviour process (ingest/behaviour/main.ts): where it listens, and how much it yields the CPU.
 * It serves the browser SDK apart from the webhooks so that a beacon flood cannot take their CPU.
 */
export const behaviourServerEnv = commonEnv.extend({
  BEHAVIOUR_HOST: z.string().default("127.0.0.1"),
  BEHAVIOUR_PORT: z.coerce.number().int().min(1).max(65535).default(8082),
  /**
   * The OS scheduling priority (nice, 0–19) the process lowers itself to at start-up: the kernel then
   * runs the webhook ingest, the processors and QuestDB first when the cores are busy. 0 leaves it as is.
   */
  BEHAVIOUR_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** How long a beacon may wait for JetStream's ack before we answer 503. */
  PUBLISH_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
});
export type BehaviourServerConfig = z.infer<typeof behaviourServerEnv>;
