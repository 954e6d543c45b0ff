import { getPriority } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_ORIGIN, BENCH_SITE, benchBeacon } from "../bench/beacons.ts";
import { sqlString } from "../core/questdb.ts";
import { eventually } from "./support/eventually.ts";
import { storedOrders } from "./support/order-load.ts";
import { orderPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * The webhook ingest and the browser SDK's process are two processes (issue 16): a `/collect` flood
 * runs beside the webhooks without taking them down, and a killed behaviour process leaves webhooks
 * answering 200 and orders landing. Nothing here is timed: each order must be answered 200 and be
 * stored, and the flood must really have run while the orders went in (beacons accepted meanwhile).
 */

const SHOP = "apart.myshopify.com";
const FLOODERS = 16;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let shopify: ShopifyWebhookSender;
let nextOrder = 1n;

beforeAll(async () => {
  stack = await startTestStack({
    BEHAVIOUR_SITES: JSON.stringify({
      [BENCH_SITE]: { shop: "apart-store.myshopify.com", platform: "shopify", origins: [BENCH_ORIGIN] },
    }),
    // The limiter is out of the way: the flood must reach the publish path.
    BEHAVIOUR_CLIENT_RATE: "1000000000",
    BEHAVIOUR_SITE_RATE: "1000000000",
  });
  shopify = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET, SHOP);
}, 300_000);

afterAll(async () => {
  await stack?.stop();
});

const postBeacon = () =>
  fetch(`${stack.behaviourUrl}/collect`, {
    method: "POST",
    headers: { "content-type": "text/plain", origin: BENCH_ORIGIN },
    body: JSON.stringify(benchBeacon()),
  });

/** Sends `count` orders one after another; each must be answered 200. `after` runs after each. */
async function sendOrders(count: number, after: () => void = () => {}): Promise<void> {
  for (let i = 0; i < count; i++) {
    const id = nextOrder++;
    const order = orderPayload({
      id,
      createdAt: new Date().toISOString(),
      lines: [{ id: id * 10n, priceCents: 1000, quantity: 1, sku: "APART" }],
    });
    expect((await shopify.deliver("orders/create", order)).status, `order ${id}`).toBe(200);
    after();
  }
}

describe("webhooks and the browser SDK in separate processes", () => {
  it("serves each route from its own process only", async () => {
    const collectOnIngest = await fetch(`${stack.ingestUrl}/collect`, {
      method: "POST",
      headers: { "content-type": "text/plain", origin: BENCH_ORIGIN },
      body: JSON.stringify(benchBeacon()),
    });
    expect(collectOnIngest.status).toBe(404);
    expect((await fetch(`${stack.ingestUrl}/sdk.js`)).status).toBe(404);
    const webhookOnBehaviour = await fetch(`${stack.behaviourUrl}/webhooks/shopify`, {
      method: "POST",
      body: "{}",
    });
    expect(webhookOnBehaviour.status).toBe(404);
    expect(stack.behaviour.pid).not.toBe(stack.ingest.pid);
    // The behaviour process lowered its own priority (BEHAVIOUR_NICE, 10 by default); ingest did not.
    expect(getPriority(stack.behaviour.pid)).toBe(Math.max(10, getPriority()));
    expect(getPriority(stack.ingest.pid)).toBe(getPriority());
  });

  it("answers every webhook 200 and stores every order while /collect is flooded", async () => {
    let flooding = true;
    let accepted = 0;
    // Beacons sent and not yet answered: under load one can take longer than all ten orders, so
    // "the flood ran meanwhile" is beacons in flight as each order is answered, not beacons answered.
    let inFlight = 0;
    const inFlightAtOrders: number[] = [];
    // A beacon whose publish outwaited PUBLISH_TIMEOUT_MS is answered 503 and may still land.
    let unavailable = 0;
    const other: number[] = [];
    const flooders = Array.from({ length: FLOODERS }, async () => {
      while (flooding) {
        inFlight++;
        const response = await postBeacon().finally(() => inFlight--);
        await response.body?.cancel();
        if (response.status === 202) accepted++;
        else if (response.status === 503) unavailable++;
        else other.push(response.status);
      }
    });
    // The orders go in only once the flood is under way, and it must still run when they are done.
    await eventually(async () => expect(accepted).toBeGreaterThan(FLOODERS), { timeoutMs: 120_000 });
    await sendOrders(10, () => inFlightAtOrders.push(inFlight));
    flooding = false;
    await Promise.all(flooders);
    expect(inFlightAtOrders).toHaveLength(10);
    expect(Math.min(...inFlightAtOrders)).toBeGreaterThan(0);
    expect(other).toEqual([]);

    await eventually(async () => expect((await storedOrders(stack.db, SHOP)).distinct).toBe(10), {
      timeoutMs: 60_000,
    });
    // Every accepted beacon was a fresh page view: all of them landed too.
    await eventually(
      async () => {
        const [row] = await stack.db.rows<{ n: number }>(
          `SELECT count() n FROM page_views WHERE site = ${sqlString(BENCH_SITE)}`,
        );
        expect(row!.n).toBeGreaterThanOrEqual(accepted);
        expect(row!.n).toBeLessThanOrEqual(accepted + unavailable);
      },
      { timeoutMs: 120_000 },
    );
  });

  it("keeps taking orders with the behaviour process killed", async () => {
    await stack.behaviour.kill();
    await expect(postBeacon()).rejects.toThrow();
    await sendOrders(5);
    const ready = await fetch(`${stack.ingestUrl}/readyz`);
    expect(ready.status).toBe(200);
    await eventually(async () => expect((await storedOrders(stack.db, SHOP)).distinct).toBe(15), {
      timeoutMs: 60_000,
    });
  });
});
