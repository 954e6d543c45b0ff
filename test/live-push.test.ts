import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../core/log.ts";
import { encodePoint } from "../processors/live/line-protocol.ts";
import { LivePush } from "../processors/live/push.ts";
import { shopTiles } from "../processors/live/tiles.ts";
import { parseLine, startGrafanaLive } from "./fakes/grafana-live/server.ts";
import { eventually } from "./support/eventually.ts";
import { orderPayload, ShopifyWebhookSender, type OrderSpec } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";

/** The Grafana Live push against a faithful fake of the endpoint: auth, line protocol, back-off. */

const TOKEN = "glsa_test0123456789abcdef_0123abcd";
let live: Awaited<ReturnType<typeof startGrafanaLive>>;
beforeAll(async () => {
  live = await startGrafanaLive(TOKEN);
});
afterAll(async () => {
  await live?.close();
});

const log = createLogger("live-test");
const AT = Date.UTC(2026, 11, 1, 12, 0, 0);
const tiles = (shop: string, orders: number, revenue: number) => ({
  measurement: "today",
  tags: { shop },
  fields: { orders: { int: orders }, revenue, aov: revenue / orders, vs_yesterday_pct: 12.5 },
  at: AT,
});

describe("line protocol", () => {
  it("escapes what the protocol says and round-trips through the fake's parser", () => {
    const line = encodePoint({
      measurement: "to day",
      tags: { shop: "a b,c=d.example" },
      fields: { n: { int: 3 }, x: 1.5 },
      at: AT,
    });
    expect(line).toBe(`to\\ day,shop=a\\ b\\,c\\=d.example n=3i,x=1.5 ${BigInt(AT) * 1_000_000n}`);
    expect(parseLine(line, "metricsdash")).toEqual({
      channel: "stream/metricsdash/to day",
      tags: { shop: "a b,c=d.example" },
      fields: { n: 3, x: 1.5 },
      ns: BigInt(AT) * 1_000_000n,
    });
  });

  it("leaves out a field that is not a finite number (AOV of no orders)", () => {
    expect(
      encodePoint({ measurement: "today", tags: {}, fields: { orders: { int: 0 }, aov: NaN }, at: AT }),
    ).toBe(`today orders=0i ${BigInt(AT) * 1_000_000n}`);
  });
});

describe("pushing to Grafana Live", () => {
  it("sends the newest tiles per shop with the Bearer token, as channel stream/<id>/<measurement>", async () => {
    const push = new LivePush({ grafanaUrl: live.url, token: TOKEN, streamId: "metricsdash", log });
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    push.offer("a", tiles("a.myshopify.com", 2, 3000)); // replaces the first: only the newest goes
    push.offer("b", tiles("b.example", 4, 2000));
    expect(await push.flush()).toBe(true);
    expect(live.points.map((p) => [p.channel, p.tags.shop, p.fields])).toEqual([
      [
        "stream/metricsdash/today",
        "a.myshopify.com",
        { orders: 2, revenue: 3000, aov: 1500, vs_yesterday_pct: 12.5 },
      ],
      [
        "stream/metricsdash/today",
        "b.example",
        { orders: 4, revenue: 2000, aov: 500, vs_yesterday_pct: 12.5 },
      ],
    ]);
    expect(await push.flush()).toBe(false); // nothing pending: no request
    expect(live.answers).toEqual([200]);
  });

  it("a wrong token is refused (401) and retried only after a back-off that doubles", async () => {
    live.points.length = 0;
    live.answers.length = 0;
    let now = AT;
    const push = new LivePush({
      grafanaUrl: live.url,
      token: "wrong",
      streamId: "metricsdash",
      log,
      backoffMs: 1000,
      clock: () => now,
    });
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    expect(await push.flush()).toBe(false);
    expect(push.lastStatus).toBe(401);
    now += 999;
    expect(await push.flush()).toBe(false); // still backing off: no request made
    expect(live.answers).toEqual([401]);
    now += 1;
    await push.flush();
    expect(live.answers).toEqual([401, 401]);
    now += 1999; // the second wait is 2 s
    await push.flush();
    expect(live.answers).toEqual([401, 401]);
    expect(live.points).toEqual([]);
  });

  it("after 5xx answers, sends the newest values once Grafana is back, and the back-off resets", async () => {
    live.points.length = 0;
    live.answers.length = 0;
    let now = AT;
    const push = new LivePush({
      grafanaUrl: live.url,
      token: TOKEN,
      streamId: "metricsdash",
      log,
      backoffMs: 100,
      clock: () => now,
    });
    live.failNext(503, 2);
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    expect(await push.flush()).toBe(false);
    push.offer("a", tiles("a.myshopify.com", 5, 9000)); // newer while waiting
    now += 100;
    expect(await push.flush()).toBe(false);
    now += 200;
    expect(await push.flush()).toBe(true);
    expect(live.answers).toEqual([503, 503, 200]);
    expect(live.points.map((p) => p.fields.orders)).toEqual([5]);
    push.offer("a", tiles("a.myshopify.com", 6, 9500));
    expect(await push.flush()).toBe(true); // no wait left over from the failures
  });

  it("a Grafana that is not there is a failed push with a back-off, never a thrown error", async () => {
    const push = new LivePush({
      grafanaUrl: "http://127.0.0.1:9",
      token: TOKEN,
      streamId: "metricsdash",
      log,
    });
    push.offer("a", tiles("a.myshopify.com", 1, 1000));
    expect(await push.flush()).toBe(false);
    expect(push.lastStatus).toBeNull();
  });
});

describe("the processors push a shop's tiles as its windows change", () => {
  // A stack of its own, told where the fake Grafana is; the push runs at its fastest (200 ms).
  let stack: Awaited<ReturnType<typeof startTestStack>>;
  let shopify: ShopifyWebhookSender;
  beforeAll(async () => {
    stack = await startTestStack({
      GRAFANA_URL: live.url,
      GRAFANA_SERVICE_ACCOUNT_TOKEN: TOKEN,
      GRAFANA_LIVE_INTERVAL_MS: "200",
    });
    shopify = new ShopifyWebhookSender(
      stack.ingestUrl,
      TEST_SECRETS.SHOPIFY_API_SECRET,
      "live-wall.myshopify.com",
    );
  }, 120_000);
  afterAll(async () => stack?.stop());

  /** The newest pushed tile of one metric of the test shop. */
  const newest = (metric: string) =>
    live.points
      .filter((p) => p.channel === `stream/metricsdash/shopify.live-wall.myshopify.com.${metric}`)
      .at(-1);

  it("an order published → revenue, orders and AOV lines for that shop with the order's numbers", async () => {
    live.points.length = 0;
    live.formats.length = 0;
    // Today in the shop's zone (unconfigured: UTC), whatever the hour the test runs at.
    const now = Date.now();
    const createdAt = new Date(Math.max(now - 30_000, Math.floor(now / 86_400_000) * 86_400_000));
    const first: OrderSpec = {
      id: 7_100_000_000_000_000_001n,
      createdAt: createdAt.toISOString().replace(/\.\d+Z$/, "Z"),
      lines: [{ id: 7_100_000_000_000_000_101n, priceCents: 2500, quantity: 2, sku: "WALL-1" }],
      shippingCents: 500,
      taxCents: 450,
    };
    // By hand: 25.00 × 2 + 5.00 + 4.50 = 59.50.
    expect((await shopify.deliver("orders/create", orderPayload(first))).status).toBe(200);
    const revenue = await eventually(
      async () => {
        const tile = newest("revenue");
        expect(tile?.fields.Today).toBe(59.5);
        return tile!;
      },
      { timeoutMs: 60_000 },
    );
    expect(revenue.tags).toEqual({});
    // No sales yesterday or last week: a change against zero is undefined, so it is not sent.
    expect(Object.keys(revenue.fields)).toEqual(["Today"]);
    expect(newest("orders")?.fields).toEqual({ Today: 1 });
    expect(newest("aov")?.fields).toEqual({ Today: 59.5 });
    expect(live.formats.every((f) => f === "wide")).toBe(true);

    // A second order: 10.00 × 1 = 10.00 → revenue 69.50, 2 orders, AOV 34.75.
    const second: OrderSpec = {
      ...first,
      id: 7_100_000_000_000_000_002n,
      lines: [{ id: 7_100_000_000_000_000_102n, priceCents: 1000, quantity: 1, sku: "WALL-2" }],
      shippingCents: 0,
      taxCents: 0,
    };
    expect((await shopify.deliver("orders/create", orderPayload(second))).status).toBe(200);
    await eventually(
      async () => {
        expect(newest("revenue")?.fields.Today).toBe(69.5);
        expect(newest("orders")?.fields.Today).toBe(2);
        expect(newest("aov")?.fields.Today).toBe(34.75);
      },
      { timeoutMs: 60_000 },
    );
  });

  it("a tile's changes are against the same span yesterday and on the same weekday last week", async () => {
    // Minute windows written as the sales processor writes them, for a shop in UTC (no `shops` row).
    const shop = "compare.myshopify.com";
    const now = Date.UTC(2026, 10, 25, 15, 30); // a Wednesday, 15:30
    const minute = (daysBack: number, hh: number, mm: number) => Date.UTC(2026, 10, 25 - daysBack, hh, mm);
    const windows: [number, number, number, number][] = [
      // [at, orders, revenue_minor, checkouts]
      [minute(0, 9, 0), 2, 10_000, 4], // today: 2 orders, 100.00, 4 checkouts
      [minute(0, 15, 29), 1, 5_000, 1], // today, the minute before now: in
      [minute(0, 15, 31), 9, 99_900, 9], // after now: out
      [minute(1, 10, 0), 2, 8_000, 2], // yesterday before 15:30: in
      [minute(1, 16, 0), 5, 50_000, 5], // yesterday after 15:30: out
      [minute(7, 8, 0), 4, 30_000, 8], // last week before 15:30: in
    ];
    const sender = await stack.db.sender();
    for (const [at, orders, revenue, checkouts] of windows)
      await sender
        .table("sales_1m")
        .symbol("platform", "shopify")
        .symbol("shop", shop)
        .symbol("currency", "USD")
        .intColumn("orders_created", orders)
        .intColumn("orders", orders)
        .intColumn("revenue_minor", revenue)
        .intColumn("checkouts", checkouts)
        .at(BigInt(at) * 1000n, "us");
    await sender.flush();
    await sender.close();
    const byMetric = await eventually(
      async () => {
        const tiles = await shopTiles(stack.db, "shopify", shop, now);
        expect(tiles.find((t) => t.measurement.endsWith(".orders"))?.fields.Today).toBe(3);
        return Object.fromEntries(tiles.map((t) => [t.measurement, t.fields]));
      },
      { timeoutMs: 30_000 },
    );
    // By hand. Today: 3 orders, 150.00, 5 checkouts; yesterday: 2, 80.00, 2; last week: 4, 300.00, 8.
    expect(byMetric).toEqual({
      "shopify.compare.myshopify.com.revenue": {
        Today: 150,
        "vs yesterday": (150 - 80) / 80,
        "vs last week": (150 - 300) / 300,
      },
      "shopify.compare.myshopify.com.orders": { Today: 3, "vs yesterday": 0.5, "vs last week": -0.25 },
      "shopify.compare.myshopify.com.aov": {
        Today: 50,
        "vs yesterday": (50 - 40) / 40,
        "vs last week": (50 - 75) / 75,
      },
      "shopify.compare.myshopify.com.conversion": {
        Today: 3 / 5,
        "vs yesterday": (3 / 5 - 1) / 1,
        "vs last week": (3 / 5 - 0.5) / 0.5,
      },
    });
  });
});
