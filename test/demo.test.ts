import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseStates, type DemoStates } from "../demo/plan.ts";
import { rhythm } from "../demo/rhythm.ts";
import { demoWiring } from "../demo/wiring.ts";
import { nodeService, type NodeService } from "../services/node-service.ts";
import { freePort } from "../services/ports.ts";
import { plannedOrders } from "./support/demo-planned.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * The demo store wired as the start command wires it — a Shopify, a WooCommerce and a BigCommerce
 * shop through ingest's public routes, BigCommerce's orders fetched from the demo's own API — with a
 * short, busy history. Orders from all three must land in QuestDB in each shop's currency, as many
 * as the demo's own plan says it sent (replayed here from its state file, not read from QuestDB).
 */

let stack: Awaited<ReturnType<typeof startTestStack>>;
let demo: NodeService;
let demoProcessEnv: Record<string, string | undefined>;
let wiring: Awaited<ReturnType<typeof demoWiring>>;

// All three shops in one zone, so they share the daily rhythm; the rate is set so that the quietest
// hour still gives the BigCommerce shop (0.4 of the rate) an order or two a minute, and the
// busiest no more webhooks than the test needs (≈ 400 in all). Timeouts are for a loaded machine.
const ZONE = "Europe/London";
const RATE = Math.min(200, Math.ceil(4 / rhythm(Date.now(), ZONE)));

beforeAll(async () => {
  wiring = await demoWiring({ ...TEST_SECRETS, DEMO_TIME_ZONE: ZONE }, { port: freePort });
  // A short catch-up interval: the processors' first round may run before the demo's API listens.
  stack = await startTestStack({ ...wiring.stackEnv, CATCHUP_INTERVAL_MS: "3000" });
  demoProcessEnv = {
    ...stack.env,
    ...wiring.demoEnv,
    DEMO_INGEST_URL: stack.ingestUrl,
    DEMO_STATE_FILE: join(stack.dir, "demo-store.json"),
    DEMO_TIME_ZONE: ZONE,
    DEMO_HISTORY_DAYS: "0.008", // 11.5 minutes
    DEMO_ORDERS_PER_MINUTE: String(RATE),
  };
  demo = nodeService("demo", "demo/main.ts", demoProcessEnv, { output: join(stack.dir, "demo.log") });
  await demo.start();
});
afterAll(async () => {
  await demo?.stop();
  await stack?.stop();
});

/** Waits for the demo to record that its history is in, for every shop. */
async function sentStates(): Promise<DemoStates> {
  return eventually(
    async () => {
      const states = parseStates(JSON.parse(readFileSync(demoProcessEnv.DEMO_STATE_FILE!, "utf8")));
      expect(Object.keys(states).sort()).toEqual(["bigcommerce", "shopify", "woocommerce"]);
      return states;
    },
    { timeoutMs: 180_000, intervalMs: 500 },
  );
}

describe("demo store, whole pipeline", () => {
  it("lands orders from all three platforms, each shop in its currency, as many as the demo sent", async () => {
    const states = await sentStates();
    // Orders created up to a whole second before the first "sent until" were all in the history.
    const planned = plannedOrders(states, demoProcessEnv);
    const cutoff = planned.cutoff;
    const expected = new Map(
      planned.shops.map(({ shop, orders }) => [
        shop.platform,
        { shop: shop.shop, currency: shop.currency, orders: orders.length },
      ]),
    );
    expect([...expected.values()].map((e) => [e.shop, e.currency])).toEqual([
      ["metricsdash-demo.myshopify.com", "USD"],
      ["demo-woo.metricsdash.example", "EUR"],
      ["demobc1", "GBP"],
    ]);
    for (const e of expected.values()) expect(e.orders, e.shop).toBeGreaterThan(0);

    const landed = await eventually(
      async () => {
        const rows = await stack.db.rows<{
          platform: string;
          shop: string;
          currency: string;
          orders: number;
        }>(
          `SELECT platform, shop, currency, count() orders FROM orders
           WHERE created_at <= cast(${cutoff * 1000} as timestamp) ORDER BY platform`,
        );
        expect(rows).toEqual(
          (["bigcommerce", "shopify", "woocommerce"] as const).map((platform) => ({
            platform,
            shop: expected.get(platform)!.shop,
            currency: expected.get(platform)!.currency,
            orders: expected.get(platform)!.orders,
          })),
        );
        return rows;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    console.log(
      "demo orders landed per platform (history):",
      landed.map((r) => `${r.platform} ${r.orders}`).join(", "),
    );
  }, 300_000);

  it("gives each shop its zone and currency: BigCommerce's from its store settings, the others' from SHOP_TIMEZONES", async () => {
    await eventually(
      async () => {
        const rows = await stack.db.rows<{
          shop: string;
          platform: string;
          currency: string;
          timezone: string;
          source: string;
        }>("SELECT shop, platform, currency, timezone, source FROM shops ORDER BY shop");
        expect(rows).toEqual([
          {
            shop: "demo-woo.metricsdash.example",
            platform: "woocommerce",
            currency: "EUR",
            timezone: "Europe/Berlin",
            source: "config",
          },
          {
            shop: "demobc1",
            platform: "bigcommerce",
            currency: "GBP",
            timezone: "Europe/London",
            source: "platform",
          },
          {
            shop: "metricsdash-demo.myshopify.com",
            platform: "shopify",
            currency: "USD",
            timezone: ZONE,
            source: "config",
          },
        ]);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
  });

  it("logs neither the shops' secrets nor their shoppers", async () => {
    // The demo streams its history after it serves: the state file can name every shop (each has a
    // watermark) before the last chunk is sent, so wait for the line that says all of it went out.
    const log = await eventually(
      async () => {
        const text = readFileSync(join(stack.dir, "demo.log"), "utf8");
        expect(text).toContain("demo store: history sent");
        return text;
      },
      { timeoutMs: 180_000, intervalMs: 500 },
    );
    for (const [name, value] of Object.entries(wiring.stackEnv)) {
      if (/SECRET|TOKEN/.test(name)) expect(log, name).not.toContain(value);
    }
    expect(log).not.toMatch(/@example\.com/);
  }, 240_000);
});
