import { z } from "zod";
import { unsetIfEmpty } from "../../core/env.ts";

/**
 * The connect service's Shopify app install, read by connect/flows.ts only when SHOPIFY_API_KEY is
 * set (the module's `connectedBy`). Where browsers and Shopify reach the app is connect's own
 * CONNECT_PUBLIC_URL, handed to the flow as `shared.connectUrl`.
 */
export const shopifyConnectEnv = z.object({
  /** The app's client id (Partner Dashboard or Shopify's CLI). */
  SHOPIFY_API_KEY: z.string().min(1, "SHOPIFY_API_KEY is required"),
  /** The app's client secret: Shopify signs the OAuth callback and every webhook with it. */
  SHOPIFY_API_SECRET: z
    .string({ error: "SHOPIFY_API_SECRET is required with SHOPIFY_API_KEY" })
    .min(16, "SHOPIFY_API_SECRET must be at least 16 characters"),
  /** Replaces `https://{shop}` for every Shopify call (a fake, a proxy); must contain `{shop}`. */
  SHOPIFY_API_URL: unsetIfEmpty(
    z.string().regex(/^https?:\/\/.*\{shop\}/, "SHOPIFY_API_URL must be an http(s) URL containing {shop}"),
  ),
  /** `bulk` exports a shop's history with a bulk operation; `paginated` pages through it under the cost limit. */
  BACKFILL_MODE: z.enum(["bulk", "paginated"]).default("bulk"),
  /** Orders per page in paginated mode: 11 with their lines ask 842 of the 1,000 points a query may. */
  BACKFILL_PAGE_SIZE: z.coerce.number().int().min(1).max(11).default(10),
  /** How often a running bulk export's status is asked. */
  BACKFILL_POLL_MS: z.coerce.number().int().positive().default(1000),
});
export type ShopifyConnectEnv = z.infer<typeof shopifyConnectEnv>;
