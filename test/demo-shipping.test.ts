import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../core/config.ts";
import { createLogger } from "../core/log.ts";
import { demoEnv } from "../demo/config.ts";
import { deliverAll } from "../demo/deliver.ts";
import type { Webhook } from "../demo/feed.ts";
import { followedFeed, openFollowers, type RunningFollower } from "../demo/followers.ts";
import { openOutlet } from "../demo/outlets.ts";
import { demoShops } from "../demo/shops.ts";
import type { OrderSpec, Shopper } from "../demo/specs.ts";
import { DemoStore } from "../demo/store.ts";
import { demoWiring } from "../demo/wiring.ts";
import { freePort } from "../services/ports.ts";
import { eventually } from "./support/eventually.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * The demo's shippers against the real pipeline: a Shopify and a WooCommerce demo shop (their new
 * orders delivered to ingest), the ShipStation and Shippo followers wired as the start command wires
 * them, ShipStation's batches fetched by the processors from the demo's API. What must land is read
 * from what the demo served and sent (the API's listing, the Shippo bodies) and from the orders the
 * shops generated — not from the follower code.
 */

const SEED = 7;
const START = Date.parse("2026-11-02T05:00:00Z");
const UNTIL = START + 8 * 86_400_000; // past the longest parcel's journey (label + 4 days + a return)
const log = createLogger("test", "silent");

let stack: Awaited<ReturnType<typeof startTestStack>>;
let followers: RunningFollower[];
let closeApi: () => Promise<void>;
const paid = new Map<string, { ref: string; spec: OrderSpec }>(); // by "platform:ref"
const shoppers: Shopper[] = [];
const sent: { follower: string; webhook: Webhook }[] = [];

beforeAll(async () => {
  const wiring = await demoWiring({}, { port: freePort });
  stack = await startTestStack({ ...wiring.stackEnv, CATCHUP_INTERVAL_MS: "600000" });
  // The shippers only: the payment processors' followers have their own test (demo-payments).
  const env = {
    ...stack.env,
    ...wiring.demoEnv,
    DEMO_PLATFORMS: "shopify,woocommerce",
    DEMO_FOLLOWERS: "shipstation,shippo",
  };
  followers = openFollowers(env, SEED, stack.ingestUrl);
  const shopWebhooks: {
    webhook: Webhook;
    to: { url: string; headers: (w: Webhook, b: string) => Record<string, string> };
  }[] = [];
  for (const shop of demoShops(loadConfig(demoEnv, env), env)) {
    const outlet = openOutlet(shop, stack.ingestUrl);
    // Records each paid order as the shop generated it, before the followers hear of it.
    const recorded: typeof outlet.feed = (args) => {
      const feed = outlet.feed(args);
      return {
        checkoutStarted: (checkout) => feed.checkoutStarted(checkout),
        orderPlaced: (spec) => feed.orderPlaced(spec),
        orderPaid: (spec) => {
          const ref = shop.outlet.orderReference?.(spec) ?? String(spec.orderNumber);
          paid.set(`${shop.platform}:${ref}`, { ref, spec });
          shoppers.push(spec.shopper);
          return feed.orderPaid(spec);
        },
        orderCancelled: (spec, refund) => feed.orderCancelled(spec, refund),
        orderRefunded: (spec, refund) => feed.orderRefunded(spec, refund),
        stockChanged: (product, available, at) => feed.stockChanged(product, available, at),
      };
    };
    const store = new DemoStore({
      seed: shop.seed,
      ordersPerMinute: 0.04,
      start: START,
      shop: shop.shop,
      currency: shop.currency,
      timeZone: shop.timeZone,
      ...shop.store,
      feed: followedFeed(recorded, shop, followers, SEED),
    });
    for (const webhook of store.advance(UNTIL))
      if (webhook.topic === shop.outlet.orderCreatedTopic) shopWebhooks.push({ webhook, to: outlet });
  }
  const shipperWebhooks = followers.flatMap((f) =>
    f.following.advance(UNTIL).map((webhook) => {
      sent.push({ follower: f.platform, webhook });
      return { webhook, to: f.delivery };
    }),
  );
  closeApi = await followers.find((f) => f.platform === "shipstation")!.following.serve!(log);
  await deliverAll([...shopWebhooks, ...shipperWebhooks], { concurrency: 16 });
}, 300_000);
afterAll(async () => {
  await closeApi?.();
  await stack?.stop();
});

type Row = {
  shipper: string;
  shipment_id: string;
  order_ref: string;
  tracking_number: string;
  label_cost_minor: number;
  carrier: string;
};

/** Every label the demo's ShipStation API lists (all pages), read as a client would. */
async function shipStationListing(): Promise<Record<string, unknown>[]> {
  const auth = Buffer.from(`${stack.env.SHIPSTATION_API_KEY}:${stack.env.SHIPSTATION_API_SECRET}`).toString(
    "base64",
  );
  const all: Record<string, unknown>[] = [];
  for (let page = 1; ; page++) {
    const url = `${stack.env.SHIPSTATION_API_URL}/shipments?createDateStart=2026-01-01%2000:00:00&pageSize=500&page=${page}`;
    const response = await fetch(url, { headers: { authorization: `Basic ${auth}` } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { shipments: Record<string, unknown>[]; pages: number };
    all.push(...body.shipments);
    if (page >= body.pages) return all;
  }
}

/** The fields of Shippo's bodies this test reads (transaction_created and track_updated). */
type ShippoBody = {
  data: {
    object_id: string;
    metadata: string;
    tracking_number: string;
    rate: { amount: string };
    eta: string;
    tracking_status: { status: string; status_date: string };
    tracking_history: unknown[];
  };
};

const bodies = (topic: string) =>
  sent.filter((s) => s.webhook.topic === topic).map((s) => JSON.parse(s.webhook.render()) as ShippoBody);

describe("demo shipments, whole pipeline", () => {
  it("writes every label ShipStation's API lists and every label Shippo sent, each naming a paid demo order", async () => {
    const listing = await shipStationListing();
    const expected = [
      ...listing.map((s) => ({
        shipper: "shipstation",
        shipment_id: String(s.shipmentId),
        order_ref: String(s.orderNumber),
        tracking_number: String(s.trackingNumber),
        label_cost_minor: Math.round(Number(s.shipmentCost) * 100),
      })),
      ...bodies("transaction_created").map(({ data }) => ({
        shipper: "shippo",
        shipment_id: String(data.object_id),
        order_ref: String(data.metadata).replace("Order #", ""),
        tracking_number: String(data.tracking_number),
        label_cost_minor: Math.round(Number(data.rate.amount) * 100),
      })),
    ].sort((a, b) => a.shipment_id.localeCompare(b.shipment_id));
    expect(listing.length).toBeGreaterThan(50);
    expect(expected.length - listing.length).toBeGreaterThan(50);

    const rows = await eventually(
      async () => {
        const got = await stack.db.rows<Row>(
          "SELECT shipper, shipment_id, order_ref, tracking_number, label_cost_minor FROM shipments ORDER BY shipment_id",
        );
        expect(got.length).toBe(expected.length);
        return got;
      },
      { timeoutMs: 240_000, intervalMs: 1000 },
    );
    expect(
      rows
        .map((r) => ({ ...r, label_cost_minor: Number(r.label_cost_minor) }))
        .sort((a, b) => a.shipment_id.localeCompare(b.shipment_id)),
    ).toEqual(expected);

    // Each label names a paid order of the demo shops, by the number its platform gives shippers;
    // no order is shipped twice, and almost every paid order is shipped by one of the two.
    const paidRefs = new Set([...paid.values()].map((p) => p.ref));
    const refs = rows.map((r) => r.order_ref);
    for (const ref of refs) expect(paidRefs.has(ref)).toBe(true);
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs.length).toBeGreaterThan(0.9 * paid.size);
    expect(refs.some((r) => Number(r) > 2_000_000)).toBe(true); // WooCommerce's ids
    expect(refs.some((r) => Number(r) < 2_000_000)).toBe(true); // Shopify's numbers

    // And every one joins an order the shops' own webhooks wrote, by the shared reference rule.
    const [joined] = await stack.db.rows<{ n: number }>(
      `SELECT count() AS n FROM shipments s JOIN (SELECT trim(cast(replace(order_number, '#', '') AS varchar)) AS ref FROM orders) o ON s.order_ref = o.ref`,
    );
    expect(Number(joined!.n)).toBe(expected.length);
  });

  it("tracks Shippo's parcels to where the last update left them: delivered, a few late, exceptions and returns", async () => {
    const last = new Map<string, { status: string; eta: string; at: string; steps: number }>();
    for (const { data } of bodies("track_updated")) {
      const now = data.tracking_status;
      const known = last.get(data.tracking_number);
      if (!known || known.at < now.status_date)
        last.set(data.tracking_number, {
          status: now.status,
          eta: data.eta,
          at: now.status_date,
          steps: data.tracking_history.length,
        });
    }
    const statuses = new Set([...last.values()].map((p) => p.status));
    // Where the parcels ended up, as sent: delivered, exceptions and returns among them (parcels
    // labelled in the last hours are still on the way).
    expect([...statuses]).toEqual(expect.arrayContaining(["DELIVERED", "RETURNED", "FAILURE"]));
    expect([...last.values()].filter((p) => p.status === "DELIVERED" && p.at > p.eta).length).toBeGreaterThan(
      2,
    );

    const rows = await eventually(
      async () => {
        const got = await stack.db.rows<{ tracking_number: string; status: string }>(
          "SELECT tracking_number, status FROM tracking_events LATEST ON at PARTITION BY tracking_number",
        );
        const [{ n }] = (await stack.db.rows<{ n: number }>("SELECT count() AS n FROM tracking_events")) as [
          { n: number },
        ];
        expect(Number(n)).toBe([...last.values()].reduce((a, p) => a + p.steps, 0));
        expect(got.length).toBe(last.size);
        return got;
      },
      { timeoutMs: 120_000, intervalMs: 1000 },
    );
    expect(new Map(rows.map((r) => [r.tracking_number, r.status]))).toEqual(
      new Map([...last].map(([n, p]) => [n, p.status])),
    );
  });

  it("stores none of the recipients' names, emails or places the shippers' payloads carried", async () => {
    const stored = JSON.stringify([
      await stack.db.rows("SELECT * FROM shipments"),
      await stack.db.rows("SELECT * FROM tracking_events"),
    ]).toLowerCase();
    expect(stored).not.toContain("demo street");
    for (const s of shoppers.slice(0, 300)) {
      expect(stored).not.toContain(s.email.toLowerCase());
      expect(stored).not.toContain(`${s.firstName} ${s.lastName}`.toLowerCase());
      expect(stored).not.toContain(s.city.toLowerCase());
    }
  });
});
