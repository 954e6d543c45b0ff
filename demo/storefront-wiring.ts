import { z } from "zod";
import { loadConfig } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { heatmapToken } from "../ingest/behaviour/token.ts";
import { behaviourEnv } from "../ingest/behaviour/config.ts";
import { shopEnv as demoShopifyEnv } from "../platforms/shopify/demo/index.ts";
import { startStorefront, type Storefront } from "./storefront.ts";
import { STOREFRONT_PRODUCTS, STOREFRONT_SITE } from "./storefront-pages.ts";

/**
 * How the start command wires the demo storefront: a behaviour site for the demo's Shopify shop
 * whose origins are the storefront's (added to the user's own BEHAVIOUR_SITES, which win on a
 * clash), and the port the demo serves it on.
 */
export const storefrontEnv = z.object({
  /** Where the demo serves its storefront; unset, there is none (the start command sets it). */
  DEMO_STOREFRONT_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Simulated visitors per minute (each ≈ 4 beacons; /collect allows 120 a minute per client address). */
  DEMO_VISITORS_PER_MINUTE: z.coerce.number().min(0).max(25).default(20),
  /** Where the behaviour process answers: the pages load the SDK from it and the visitors post to it. */
  DEMO_BEHAVIOUR_URL: z.url().default("http://127.0.0.1:8082"),
  DEMO_SEED: z.coerce.number().int().min(0).default(42),
});

export const storefrontOrigins = (port: number) => [`http://127.0.0.1:${port}`, `http://localhost:${port}`];

export function storefrontWiring(
  env: Record<string, string | undefined>,
  port: number,
): { stackEnv: Record<string, string>; demoEnv: Record<string, string> } {
  const { DEMO_SHOP } = loadConfig(demoShopifyEnv, env);
  const own = behaviourEnv.shape.BEHAVIOUR_SITES.safeParse(env.BEHAVIOUR_SITES);
  // A BEHAVIOUR_SITES the behaviour process will refuse is left as it is, for it to name.
  const stackEnv: Record<string, string> = own.success
    ? {
        BEHAVIOUR_SITES: JSON.stringify({
          [STOREFRONT_SITE]: { shop: DEMO_SHOP, platform: "shopify", origins: storefrontOrigins(port) },
          ...own.data,
        }),
      }
    : {};
  return { stackEnv, demoEnv: { DEMO_STOREFRONT_PORT: String(port) } };
}

/** The lines `start` prints: the storefront, and its busiest page with the heatmap drawn over it. */
export function storefrontLinks(env: Record<string, string | undefined>, port: number): string[] {
  const page = `http://localhost:${port}/products/${STOREFRONT_PRODUCTS[0]!.handle}`;
  const lines = [`  storefront   ${page}  (the demo store's page, with the SDK and simulated visitors)`];
  const key = behaviourEnv.shape.HEATMAP_TOKEN_KEY.safeParse(env.HEATMAP_TOKEN_KEY);
  if (key.success && key.data)
    lines.push(
      `  heatmap      ${page}?md_heatmap=${heatmapToken(key.data, STOREFRONT_SITE, 12 * 3600)}  (12 h)`,
    );
  else lines.push("  heatmap      off: set HEATMAP_TOKEN_KEY (16+ characters) to draw the overlay");
  return lines;
}

/** In the demo process: serve the storefront and run its visitors when the start command asked. */
export async function storefrontFromEnv(
  env: Record<string, string | undefined>,
  log: Logger,
  stopped: () => boolean,
): Promise<Storefront | undefined> {
  const config = loadConfig(storefrontEnv, env);
  if (!config.DEMO_STOREFRONT_PORT) return undefined;
  const storefront = await startStorefront({
    port: config.DEMO_STOREFRONT_PORT,
    behaviourUrl: config.DEMO_BEHAVIOUR_URL,
    visitorsPerMinute: config.DEMO_VISITORS_PER_MINUTE,
    seed: config.DEMO_SEED,
    log,
    stopped,
  });
  log.info(
    { url: storefront.url, visitorsPerMinute: config.DEMO_VISITORS_PER_MINUTE },
    "demo storefront serving",
  );
  return storefront;
}
