import type { DemoOpened, DemoOutlet } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import type { DemoShop } from "./shops.ts";

/** The sources that have a shop in the demo, in the registry's order (platforms/<name>/demo/). */
export const demoOutlets: { platform: string; outlet: DemoOutlet }[] = platforms.flatMap((p) =>
  p.demo ? [{ platform: p.platform, outlet: p.demo }] : [],
);

/** Where a shop's webhooks go (ingest's public route for its platform) and how they are signed. */
export interface Outlet extends DemoOpened {
  shop: DemoShop;
  url: string;
}

export function openOutlet(shop: DemoShop, ingestUrl: string): Outlet {
  const url = new URL(`/webhooks/${shop.platform}`, ingestUrl).href;
  return { shop, url, ...shop.outlet.open(shop.env, shop, url) };
}
