import { randomBytes } from "node:crypto";
import { loadConfig } from "../core/config.ts";
import { salesEnv } from "../processors/sales/config.ts";
import { demoShopifyEnv, type DemoPlatform } from "./config.ts";
import { BC_DEMO, WOO_DEMO } from "./shops.ts";

/**
 * How the start command wires the demo's shops into the services. Each platform's secrets are made
 * here, per run, in memory, when the user has not set that platform up: nothing is written to `.env`,
 * so a user's own settings are always told apart from the demo's, and a user's own WooCommerce or
 * BigCommerce settings win — the demo then runs no shop on that platform (`skipped` says why).
 */

export interface DemoWiring {
  platforms: DemoPlatform[];
  skipped: { platform: DemoPlatform; because: string }[];
  /** For the services the stack starts (ingest verifies with these, processors fetch with these). */
  stackEnv: Record<string, string>;
  /** For the demo process, on top of `stackEnv`. */
  demoEnv: Record<string, string>;
}

const freshSecret = () => randomBytes(24).toString("hex");

/** The user's own variables of a platform (any set, non-empty, counts). */
function ownSettings(env: Record<string, string | undefined>, prefix: string): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith(prefix) && env[name])
    .sort();
}

export function demoWiring(
  env: Record<string, string | undefined>,
  options: { bigCommercePort: number; secret?: () => string },
): DemoWiring {
  const secret = options.secret ?? freshSecret;
  const { DEMO_SHOP, DEMO_TIME_ZONE } = loadConfig(demoShopifyEnv, env);
  const platforms: DemoPlatform[] = ["shopify"];
  const skipped: DemoWiring["skipped"] = [];
  const stackEnv: Record<string, string> = {};
  // Shops whose zone no platform API tells the processors (Shopify's comes from its connect flow).
  const zones: Record<string, string> = { [DEMO_SHOP]: DEMO_TIME_ZONE };

  // The Shopify shop signs with the app secret `./metricsdash` wrote to .env (or the user's own, as before).
  if (!env.SHOPIFY_API_SECRET) stackEnv.SHOPIFY_API_SECRET = secret();

  const own = (platform: DemoPlatform, prefix: string, name: string): boolean => {
    const names = ownSettings(env, prefix);
    if (!names.length) return false;
    skipped.push({
      platform,
      because: `${names.join(", ")} set: your own ${name} settings win, so the demo runs no ${name} shop`,
    });
    return true;
  };

  if (!own("woocommerce", "WOOCOMMERCE_", "WooCommerce")) {
    platforms.push("woocommerce");
    stackEnv.WOOCOMMERCE_WEBHOOK_SECRET = secret();
    // No WooCommerce API for the demo (its site URL is not ours to serve): its zone comes from here,
    // its currency from its orders.
    zones[WOO_DEMO.shop] = WOO_DEMO.timeZone;
  }

  const demoEnv: Record<string, string> = {};
  if (!own("bigcommerce", "BIGCOMMERCE_", "BigCommerce")) {
    platforms.push("bigcommerce");
    Object.assign(stackEnv, {
      BIGCOMMERCE_STORE_HASH: BC_DEMO.storeHash,
      BIGCOMMERCE_ACCESS_TOKEN: secret(),
      BIGCOMMERCE_WEBHOOK_SECRET: secret(),
      BIGCOMMERCE_API_URL: `http://127.0.0.1:${options.bigCommercePort}`,
    });
    demoEnv.DEMO_BIGCOMMERCE_API_PORT = String(options.bigCommercePort);
  }

  // The user's own entries win; a SHOP_TIMEZONES the processors will refuse is left for them to name.
  const configured = salesEnv.shape.SHOP_TIMEZONES.safeParse(env.SHOP_TIMEZONES);
  if (configured.success) stackEnv.SHOP_TIMEZONES = JSON.stringify({ ...zones, ...configured.data });

  demoEnv.DEMO_PLATFORMS = platforms.join(",");
  return { platforms, skipped, stackEnv, demoEnv };
}
