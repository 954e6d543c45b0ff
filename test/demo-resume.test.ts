import { existsSync, readFileSync } from "node:fs";
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
 * The demo killed (SIGKILL) in the middle of its history and started again: the state file's
 * watermark says what was sent, the restart replays up to it silently and sends the rest, so each
 * shop's orders land exactly once — as many in QuestDB as the demo's own plan gives (replayed here
 * from the state file), none lost, none sent again under a new start.
 */
let stack: Awaited<ReturnType<typeof startTestStack>>;
let env: Record<string, string | undefined>;
const demos: NodeService[] = [];
const ZONE = "Europe/London";
// As in demo.test.ts: a BigCommerce order or two a minute even in the quietest hour.
const RATE = Math.min(200, Math.ceil(4 / rhythm(Date.now(), ZONE)));

beforeAll(async () => {
  const wiring = await demoWiring({ ...TEST_SECRETS, DEMO_TIME_ZONE: ZONE }, { port: freePort });
  stack = await startTestStack({ ...wiring.stackEnv, CATCHUP_INTERVAL_MS: "3000" });
  env = {
    ...stack.env,
    ...wiring.demoEnv,
    DEMO_INGEST_URL: stack.ingestUrl,
    DEMO_BEHAVIOUR_URL: stack.behaviourUrl,
    DEMO_STATE_FILE: join(stack.dir, "demo-store.json"),
    DEMO_TIME_ZONE: ZONE,
    DEMO_HISTORY_DAYS: "0.06", // 86 minutes, a few chunks (demo/history.ts)
    DEMO_ORDERS_PER_MINUTE: String(RATE),
    // Few in flight, so the history lasts long enough to be cut in the middle.
    DEMO_CONCURRENCY: "2",
    DEMO_STOREFRONT_PORT: String(await freePort()),
  };
});
afterAll(async () => {
  for (const demo of demos) await demo.stop();
  await stack?.stop();
});

const readStates = (): DemoStates =>
  parseStates(JSON.parse(readFileSync(env.DEMO_STATE_FILE!, "utf8")) as unknown);
const logOf = (run: number) => join(stack.dir, `demo-${run}.log`);
const startDemo = async (run: number) => {
  const demo = nodeService("demo", "demo/main.ts", env, { output: logOf(run) });
  demos.push(demo);
  await demo.start();
  return demo;
};

describe("demo store killed mid-history", () => {
  it("resumes from the state file's watermark and lands every order exactly once", async () => {
    const first = await startDemo(1);
    // The first watermark written while the history is still going: kill it there.
    const cut = await eventually(
      async () => {
        expect(existsSync(env.DEMO_STATE_FILE!)).toBe(true);
        return readStates();
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    await first.kill();
    expect(readFileSync(logOf(1), "utf8"), "the kill came after the history").not.toContain(
      "demo store: history sent",
    );
    const cutAt = Math.min(...Object.values(cut).map((s) => s!.sentUntil));

    await startDemo(2);
    await eventually(
      async () => expect(readFileSync(logOf(2), "utf8")).toContain("demo store: history sent"),
      {
        timeoutMs: 240_000,
        intervalMs: 500,
      },
    );
    const states = readStates();
    // The same simulation resumed (same start, same viral episodes), after what the first run sent.
    for (const platform of ["shopify", "woocommerce", "bigcommerce"]) {
      expect(states[platform]!.start, platform).toBe(cut[platform]!.start);
      expect(states[platform]!.viralAt, platform).toEqual(cut[platform]!.viralAt);
      expect(states[platform]!.sentUntil, platform).toBeGreaterThan(cutAt);
    }
    expect(readFileSync(logOf(2), "utf8")).toContain(new Date(cutAt).toISOString());

    // Orders created up to a whole second before the second run's watermark were all in the history.
    const planned = plannedOrders(states, env);
    const cutoff = planned.cutoff;
    const expected = planned.shops.map(({ shop, orders }) => ({
      platform: shop.platform,
      shop: shop.shop,
      orders: orders.length,
      beforeCut: orders.filter((w) => w.at <= cutAt).length,
    }));
    // Orders on both sides of the cut, or the kill proved nothing.
    for (const e of expected) expect(e.beforeCut, e.shop).toBeGreaterThan(0);
    expect(expected.some((e) => e.orders > e.beforeCut)).toBe(true);

    await eventually(
      async () => {
        const rows = await stack.db.rows<{ platform: string; shop: string; orders: number }>(
          `SELECT platform, shop, count() orders FROM orders
           WHERE created_at <= cast(${cutoff * 1000} as timestamp) ORDER BY platform`,
        );
        expect(rows).toEqual(
          expected
            .map(({ platform, shop, orders }) => ({ platform, shop, orders }))
            .sort((a, b) => a.platform.localeCompare(b.platform)),
        );
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
  }, 480_000);
});
