import { jetstream } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subjectToken } from "../core/events.ts";
import { createLogger } from "../core/log.ts";
import { sqlString } from "../core/questdb.ts";
import { jetStreamPublisher } from "../ingest/publish.ts";
import { KeysRefused } from "../platforms/adapter.ts";
import { shopifyApi } from "../platforms/shopify/api.ts";
import { FakeShopify } from "./fakes/shopify/server.ts";
import { generateShop } from "./fakes/shopify/store.ts";
import { catchUp } from "../processors/fetchers/catchup.ts";
import { reconcileShop } from "../processors/reconcile/index.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import { RECONCILIATION_BY_SHOP } from "../grafana/sql/data-health.ts";
import { eventually } from "./support/eventually.ts";
import { orderTotals, type OrderSpec } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/**
 * A Shopify store whose webhooks were lost (Shopify gave up on them) ends with every order, its
 * count and revenue exact, by the catch-up alone: fake Shopify → ingest → JetStream → processors →
 * QuestDB, then the catch-up through Admin GraphQL. Expected figures come from the generated specs.
 */

const DOMAIN = "lossy.myshopify.com";
const ORDERS = 40;
const LOST = new Set([2, 3, 9, 17, 18, 30, 39]);
const log = createLogger("test", "silent");

let fake: FakeShopify;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let nc: NatsConnection;
let specs: OrderSpec[];
/** The gross the reconciliation found apart and fixed, summed over the tests (Data health's revenue_apart_minor). */
let revenueApart = 0;
/** Every order the fake shop holds, as it now holds it. */
let everyOrder: OrderSpec[] = [];

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const localDay = (instant: string) =>
  new Intl.DateTimeFormat("en-CA", {
    timeZone: fake.shop(DOMAIN).data.timezone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(new Date(instant));

/** Seeded orders placed over the last 20 minutes; one test order and two cancelled, so the sales rules matter. */
function recentOrders(): OrderSpec[] {
  const now = Date.now();
  return generateShop({ domain: DOMAIN, orders: ORDERS, seed: 13 }).orders.map((spec, i) => {
    const createdMs = now - (ORDERS - i) * 30_000;
    const cancelled = i === 5 || i === 17;
    return {
      ...spec,
      createdAt: iso(createdMs),
      updatedAt: iso(createdMs + (cancelled ? 10_000 : 0)),
      cancelledAt: cancelled ? iso(createdMs + 10_000) : null,
      financialStatus: cancelled ? "voided" : "paid",
      test: i === 3,
    };
  });
}

beforeAll(async () => {
  // A small bucket so a few pages already have to wait for points (Shopify's rate: 100 points/s).
  fake = new FakeShopify({ apiKey: "k", apiSecret: TEST_SECRETS.SHOPIFY_API_SECRET, bucketSize: 1000 });
  await fake.start();
  fake.addShop({ ...generateShop({ domain: DOMAIN, orders: 0 }), orders: [] });
  stack = await startTestStack();
  fake.shop(DOMAIN).subscriptions.push({
    id: "gid://shopify/WebhookSubscription/1",
    topic: "ORDERS_CREATE",
    uri: `${stack.ingestUrl}/webhooks/shopify`,
    format: "JSON",
  });
  nc = await connect({ servers: stack.natsUrl });
  specs = recentOrders();
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await fake?.stop();
});

async function figures() {
  const [row] = await stack.db.rows<{
    orders: number;
    distinct_ids: number;
    gross: number;
    sales: number;
    revenue: number;
  }>(
    `SELECT count() orders, count_distinct(order_id) distinct_ids, sum(total_minor) gross,
       sum(CASE WHEN NOT test AND cancelled_at IS NULL THEN 1 ELSE 0 END) sales,
       sum(CASE WHEN NOT test AND cancelled_at IS NULL THEN total_minor ELSE 0 END) revenue
     FROM orders WHERE platform = 'shopify' AND shop = ${sqlString(DOMAIN)}`,
  );
  return row!;
}

function expected(orders: OrderSpec[]) {
  const sales = orders.filter((o) => !o.test && !o.cancelledAt);
  return {
    orders: orders.length,
    distinct_ids: orders.length,
    gross: orders.reduce((sum, o) => sum + orderTotals(o).total, 0),
    sales: sales.length,
    revenue: sales.reduce((sum, o) => sum + orderTotals(o).total, 0),
  };
}

describe("a Shopify store whose webhooks were lost", () => {
  it("ends with every order, count and revenue exact, by the catch-up alone", async () => {
    for (const [i, spec] of specs.entries()) {
      if (LOST.has(i)) fake.loseNextDeliveries = 1;
      const delivered = await fake.placeOrder(DOMAIN, spec);
      for (const answer of delivered) expect(answer.status).toBe(200);
    }
    expect(fake.lostDeliveries).toBe(LOST.size);
    const received = specs.filter((_, i) => !LOST.has(i));
    await eventually(async () => expect(await figures()).toEqual(expected(received)), { timeoutMs: 60_000 });

    const api = shopifyApi(
      { shop: DOMAIN, accessToken: fake.issueToken(DOMAIN), apiUrl: fake.apiUrlTemplate },
      { customerHashKey: TEST_SECRETS.CUSTOMER_HASH_KEY, log },
    );
    const js = jetstream(nc);
    const options = {
      watermarks: await new Kvm(js).create("catchup_test_shopify", { history: 1 }),
      publish: jetStreamPublisher(js, 10_000),
      log,
      lookbackMs: 60 * 60_000,
    };
    // Every order of the hour is re-read (40 events over 4 pages), the received ones land on their own rows.
    expect(await catchUp(api, options)).toEqual({ events: ORDERS, reactivated: 0 });
    await eventually(async () => expect(await figures()).toEqual(expected(specs)), { timeoutMs: 60_000 });
    // The pages cost more than the small bucket holds: the client waited for points instead of being throttled.
    expect(api.client.stats.waitedMs).toBeGreaterThan(0);
    expect(fake.stats.throttled).toBe(0);

    // The next round starts at the bookmark (the last round's start) less the 5-minute overlap:
    // only orders modified since then are read again, and they land on their own rows.
    const bookmark = Date.parse((await options.watermarks.get(`shopify.${subjectToken(DOMAIN)}`))!.string());
    const overlap = specs.filter((o) => Date.parse(o.updatedAt!) >= bookmark - 5 * 60_000).length;
    expect(overlap).toBeLessThan(ORDERS);
    expect((await catchUp(api, options)).events).toBe(overlap);
    expect(await figures()).toEqual(expected(specs));
  });

  it("an order lost days ago, before the catch-up's bookmark, is found by the reconciliation and re-read", async () => {
    const api = shopifyApi(
      { shop: DOMAIN, accessToken: fake.issueToken(DOMAIN), apiUrl: fake.apiUrlTemplate },
      { customerHashKey: TEST_SECRETS.CUSTOMER_HASH_KEY, log },
    );
    // The three a minute apart on one local day of the shop: a reconciliation re-reads a day, and
    // near the shop's midnight (05:00 UTC for New York) the last two fell on the next one.
    let threeDaysAgo = Date.now() - 3 * 86_400_000;
    while (localDay(iso(threeDaysAgo)) !== localDay(iso(threeDaysAgo + 2 * 60_000))) threeDaysAgo -= 60_000;
    const [sale, test, cancelled] = generateShop({ domain: DOMAIN, orders: 3, seed: 77 }).orders.map(
      (spec, i) => ({
        ...spec,
        id: 6_200_000_000_000n + BigInt(i),
        createdAt: iso(threeDaysAgo + i * 60_000),
        updatedAt: iso(threeDaysAgo + i * 60_000),
        test: i === 1,
        cancelledAt: i === 2 ? iso(threeDaysAgo + i * 60_000) : null,
      }),
    );
    // All three deliveries are lost; only the sale counts, on Shopify's side and ours.
    for (const spec of [sale!, test!, cancelled!]) {
      fake.loseNextDeliveries = 1;
      await fake.placeOrder(DOMAIN, spec);
    }
    const day = localDay(sale!.createdAt);
    const js = jetstream(nc);
    const checks = await reconcileShop(api, {
      db: stack.db,
      publish: jetStreamPublisher(js, 10_000),
      log,
      days: 7,
      settleMs: 30_000,
      pollMs: 200,
    });
    expect(checks.filter((c) => c.outcome !== "match").map((c) => [c.day.day, c.outcome])).toEqual([
      [day, "fixed"],
    ]);
    const fixed = checks.find((c) => c.day.day === day)!;
    expect(fixed.theirs.orders).toBe(fixed.ours.orders + 1);
    expect(fixed.after.grossMinor - fixed.ours.grossMinor).toBe(orderTotals(sale!).total);
    // Shopify's gross of the day (its orders paged) is what we hold after the re-read.
    expect(fixed.theirs.grossMinor).toBe(fixed.after.grossMinor);
    revenueApart += orderTotals(sale!).total;
    everyOrder = [...specs, sale!, test!, cancelled!];
    await eventually(async () => expect(await figures()).toEqual(expected(everyOrder)));
  });

  it("an edited order whose orders/updated was lost: counts agree, Shopify's gross does not; re-read and fixed", async () => {
    fake.shop(DOMAIN).subscriptions.push({
      id: "gid://shopify/WebhookSubscription/2",
      topic: "ORDERS_UPDATED",
      uri: `${stack.ingestUrl}/webhooks/shopify`,
      format: "JSON",
    });
    const api = shopifyApi(
      { shop: DOMAIN, accessToken: fake.issueToken(DOMAIN), apiUrl: fake.apiUrlTemplate },
      { customerHashKey: TEST_SECRETS.CUSTOMER_HASH_KEY, log },
    );
    const twoDaysAgo = Date.now() - 2 * 86_400_000;
    const [placed] = generateShop({ domain: DOMAIN, orders: 1, seed: 78 }).orders.map((spec) => ({
      ...spec,
      id: 6_300_000_000_000n,
      createdAt: iso(twoDaysAgo),
      updatedAt: iso(twoDaysAgo),
      cancelledAt: null,
      test: false,
    }));
    await fake.placeOrder(DOMAIN, placed!);
    await eventually(async () => expect(await figures()).toEqual(expected([...everyOrder, placed!])));
    // The merchant adds a line (Shopify's order editing); the orders/updated delivery is lost.
    const edited: OrderSpec = {
      ...placed!,
      updatedAt: iso(Date.now() - 60_000),
      lines: [...placed!.lines, { id: 6_300_000_000_001n, priceCents: 2_350, quantity: 2, sku: "SKU-EDIT" }],
    };
    fake.loseNextDeliveries = 1;
    await fake.editOrder(DOMAIN, edited);
    expect(fake.loseNextDeliveries).toBe(0);
    const apart = orderTotals(edited).total - orderTotals(placed!).total;
    expect(apart).toBe(2 * 2_350);

    const checks = await reconcileShop(api, {
      db: stack.db,
      publish: jetStreamPublisher(jetstream(nc), 10_000),
      log,
      days: 7,
      settleMs: 30_000,
      pollMs: 200,
    });
    const differing = checks.filter((c) => c.outcome !== "match");
    expect(differing.map((c) => [c.day.day, c.outcome])).toEqual([[localDay(placed!.createdAt), "fixed"]]);
    const [check] = differing;
    // The same count on both sides: only Shopify's gross showed the difference.
    expect(check!.ours.orders).toBe(check!.theirs.orders);
    expect(check!.theirs.grossMinor! - check!.ours.grossMinor).toBe(apart);
    expect(check!.after).toEqual({ orders: check!.theirs.orders, grossMinor: check!.theirs.grossMinor });
    revenueApart += apart;
    everyOrder = [...everyOrder.filter((o) => o.id !== edited.id), edited];
    await eventually(async () => expect(await figures()).toEqual(expected(everyOrder)));

    // Recorded: the check's row holds both grosses, and Data health's panel sums what was apart.
    const [row] = await eventually(async () => {
      const rows = await stack.db.rows<{
        ours_minor: number;
        theirs_minor: number;
        ours_after_minor: number;
      }>(
        `SELECT ours_minor, theirs_minor, ours_after_minor FROM reconciliation
         WHERE shop = ${sqlString(DOMAIN)} AND day = ${sqlString(check!.day.day)} AND outcome = 'fixed'`,
      );
      expect(rows).toHaveLength(1);
      return rows;
    });
    expect(row).toEqual({
      ours_minor: check!.ours.grossMinor,
      theirs_minor: check!.ours.grossMinor + apart,
      ours_after_minor: check!.ours.grossMinor + apart,
    });
    const range = { from: new Date(Date.now() - 7 * 86_400_000), to: new Date(), maxDataPoints: 1000 };
    const [health] = await stack.db.rows<{
      differences_found: number;
      fixed: number;
      revenue_apart_minor: number;
    }>(
      renderQuery(RECONCILIATION_BY_SHOP, {
        ...range,
        variables: { platform: ["shopify"], shop: [DOMAIN] },
        allSelected: [],
      }),
    );
    expect(health).toMatchObject({ differences_found: 2, fixed: 2, revenue_apart_minor: revenueApart });
  });

  it("a revoked token is KeysRefused, so a connected store is marked failed like the others", async () => {
    const api = shopifyApi(
      { shop: DOMAIN, accessToken: "shpat_revoked", apiUrl: fake.apiUrlTemplate },
      { customerHashKey: TEST_SECRETS.CUSTOMER_HASH_KEY, log },
    );
    const js = jetstream(nc);
    const run = catchUp(api, {
      watermarks: await new Kvm(js).create("catchup_test_shopify_revoked", { history: 1 }),
      publish: jetStreamPublisher(js, 10_000),
      log,
      lookbackMs: 60 * 60_000,
    });
    await expect(run).rejects.toBeInstanceOf(KeysRefused);
  });
});
