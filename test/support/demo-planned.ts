import { loadConfig } from "../../core/config.ts";
import { demoEnv } from "../../demo/config.ts";
import type { Webhook } from "../../demo/feed.ts";
import { openOutlet } from "../../demo/outlets.ts";
import type { DemoStates } from "../../demo/plan.ts";
import { demoShops, type DemoShop } from "../../demo/shops.ts";
import { DemoStore } from "../../demo/store.ts";

/**
 * What the demo planned, recomputed from its state file independently of the running demo: each
 * shop's order-created webhooks up to a whole second before the lowest "sent until". Every platform
 * writes creation times to the second and later (live) orders are created after it, so these are
 * exactly the orders the history must have landed (created at or before `cutoff`, ms).
 */
export function plannedOrders(
  states: DemoStates,
  env: NodeJS.ProcessEnv,
): { cutoff: number; shops: { shop: DemoShop; orders: Webhook[] }[] } {
  const config = loadConfig(demoEnv, env);
  const sentUntil = Math.min(...Object.values(states).map((s) => s!.sentUntil));
  const cutoff = Math.floor(sentUntil / 1000) * 1000 - 1000;
  const shops = demoShops(config, env).map((shop) => {
    const state = states[shop.platform]!;
    const store = new DemoStore({
      seed: state.seed,
      shop: state.shop,
      ordersPerMinute: state.ordersPerMinute,
      timeZone: state.timeZone,
      currency: shop.currency,
      ...shop.store,
      start: state.start,
      viralAt: state.viralAt,
      feed: openOutlet(shop, config.DEMO_INGEST_URL).feed,
    });
    const orders = store
      .advance(cutoff + 999)
      .filter((w) => w.topic === shop.outlet.orderCreatedTopic && Math.floor(w.at / 1000) * 1000 <= cutoff);
    return { shop, orders };
  });
  return { cutoff, shops };
}
