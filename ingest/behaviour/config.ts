import { z } from "zod";
import { unsetIfEmpty } from "../../core/config.ts";
import { SiteId } from "../../core/interaction.ts";

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

/** The browser SDK's endpoints on ingest: which sites may send, how much, and the overlay's key. */
export const behaviourEnv = z.object({
  /** `{ "<site id>": { "shop": "<shop>", "platform": "<platform>", "origins": ["https://…"] } }`. */
  BEHAVIOUR_SITES: sites,
  /** Largest beacon accepted; the SDK sends at most 100 events (≈ 15 KB). */
  BEHAVIOUR_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(32 * 1024),
  /** Beacons per second one site may send (a bucket of two seconds' worth absorbs bursts). */
  BEHAVIOUR_SITE_RATE: z.coerce.number().positive().default(500),
  /** Beacons per minute one client address may send; a visitor sends about 20. */
  BEHAVIOUR_CLIENT_RATE: z.coerce.number().positive().default(120),
  /** Take the client address from the last X-Forwarded-For hop (set when ingest runs behind a proxy). */
  BEHAVIOUR_TRUST_PROXY: z
    .enum(["true", "false"])
    .default("false")
    .transform((v) => v === "true"),
  /** Signs the dashboard's overlay links (`?md_heatmap=`); without it the overlay is off. */
  HEATMAP_TOKEN_KEY: unsetIfEmpty(z.string().min(16, "HEATMAP_TOKEN_KEY must be at least 16 characters")),
});
export type BehaviourConfig = z.infer<typeof behaviourEnv>;
