import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dashboard, Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { eventSubject } from "../core/events.ts";
import { sqlString, viewsRefreshed } from "../core/questdb.ts";
import { DASHBOARDS } from "../grafana/dashboards.ts";
import { renderQuery, type QueryContext } from "../grafana/interpolate.ts";
import { ALL_SHOPS_UID } from "../grafana/dashboards/all-shops.ts";
import {
  currencyRevenueCurve,
  currencyTable,
  ordersComparison,
  ordersPerMinuteAll,
  shopTable,
} from "../grafana/sql/all-shops.ts";
import { CHOICE_QUERIES } from "../grafana/sql/chosen.ts";
import { ONE_SHOP_HEALTH, ONE_SHOP_LAST_WEBHOOK } from "../grafana/sql/data-health.ts";
import { SHOP_CAPTURED_VS_ORDERED } from "../grafana/sql/shop-payments.ts";
import { sessionConversionToday } from "../grafana/sql/session-conversion.ts";
import {
  comparisonTable,
  metricComparison,
  ordersPerMinute,
  revenueCurve,
  topProducts,
  VARIABLE_QUERIES,
  type MetricName,
} from "../grafana/sql/one-shop.ts";
import { FakeWooCommerce } from "./fakes/woocommerce/store.ts";
import { ShopDirectory, writeShopRow } from "../processors/sales/shops.ts";
import { eventually } from "./support/eventually.ts";
import { receiptsWritten } from "./support/receipts-written.ts";
import { settled } from "./support/settled.ts";
import { orderPayload, refundPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";
import {
  addDays,
  asWooCommerce,
  checkoutPayload,
  expectedCurve,
  expectedWindows,
  generateTraffic,
  iso,
  local,
  localToUtc,
  metrics,
  MINUTE,
  spanFilter,
  totalsWhere,
  wooOrderSpec,
  type ShopSpec,
  type ShopTraffic,
  type Totals,
} from "./sales-fixtures.ts";

/**
 * Live sales on the real pipeline: a day and a week (and a bit) of generated traffic for three shops
 * in different time zones goes through signed webhooks, ingest, JetStream and the processors (killed
 * once mid-stream, with redeliveries and stale updates), then every dashboard panel's SQL runs on
 * QuestDB as Grafana would send it and is compared with figures computed here from the generated orders.
 * Two Shopify shops (USD in New York, EUR in Berlin) and a WooCommerce store in USD in Los Angeles,
 * whose orders the fake WooCommerce store signs and posts to /webhooks/woocommerce: so the all-shops
 * view must add the two USD shops, each over its own local day, and keep EUR apart.
 * The shops cross DST changes in the data: Berlin on 2026-10-25, New York and Los Angeles on 2026-11-01.
 */

const SHOPIFY_SHOPS: ShopSpec[] = [
  {
    platform: "shopify",
    shop: "east.myshopify.com",
    tz: "America/New_York",
    currency: "USD",
    seed: 11,
    base: 1_000_000n,
  },
  {
    platform: "shopify",
    shop: "berlin.myshopify.com",
    tz: "Europe/Berlin",
    currency: "EUR",
    seed: 29,
    base: 5_000_000n,
  },
];
/** The WooCommerce store's token is its site's host, known once the fake listens. */
const WOO_SHOP: Omit<ShopSpec, "shop"> = {
  platform: "woocommerce",
  tz: "America/Los_Angeles",
  currency: "USD",
  seed: 47,
  base: 9_000_000n,
};
const WOO_SECRET = "sales-test-woocommerce-secret-0123";
const FROM = Date.parse("2026-10-23T00:00:00Z");
const TO = Date.parse("2026-11-02T18:00:00Z");
/** "Now" for the comparisons: whole minutes, none inside a repeated (ambiguous) local hour. */
const NOWS = [
  "2026-10-25T12:00:00Z", // Berlin's 25-hour day; last week is before the data: no base to compare
  "2026-11-01T04:30:00Z", // New York 00:30 on its 25-hour day
  "2026-11-01T15:00:00Z", // New York 10:00 EST on the DST day; yesterday was still EDT
  "2026-11-02T14:30:00Z", // the day after: "yesterday" is the 25-hour day
].map(Date.parse);

let stack: Awaited<ReturnType<typeof startTestStack>>;
let woo: FakeWooCommerce;
/** Every shop's traffic: the Shopify shops', then the WooCommerce store's. */
let traffic: ShopTraffic[];
const latencies = new Map<string, number[]>();
/** When the shops' webhooks were sent: each shop's last one reached ingest in between. */
const webhooksSent = { from: 0, to: 0 };

interface Delivery {
  topic: string;
  payload: unknown;
  eventId: string;
}

function deliveriesOf(t: ShopTraffic): Delivery[] {
  const out: { at: number; d: Delivery }[] = [];
  for (const o of t.orders) {
    const id = o.spec.id;
    out.push({
      at: o.createdMs,
      d: { topic: "orders/create", payload: orderPayload(o.spec), eventId: `c${id}` },
    });
    if (o.cancelledMs !== null) {
      const cancelled = { ...o.spec, updatedAt: iso(o.cancelledMs), cancelledAt: iso(o.cancelledMs) };
      out.push({
        at: o.cancelledMs,
        d: { topic: "orders/cancelled", payload: orderPayload(cancelled), eventId: `x${id}` },
      });
      // An older state delivered after the cancellation: it must not bring the order back.
      const midway = { ...o.spec, updatedAt: iso(o.createdMs + 30_000), financialStatus: "paid" };
      out.push({
        at: o.cancelledMs + 1,
        d: { topic: "orders/updated", payload: orderPayload(midway), eventId: `u${id}` },
      });
    }
  }
  for (const r of t.refunds) {
    out.push({
      at: r.createdMs,
      d: {
        topic: "refunds/create",
        payload: refundPayload({
          id: r.id,
          orderId: r.orderId,
          createdAt: iso(r.createdMs),
          amountCents: r.amount,
          currency: t.shop.currency,
        }),
        eventId: `r${r.id}`,
      },
    });
  }
  for (const c of t.checkouts) {
    out.push({
      at: c.createdMs,
      d: { topic: "checkouts/create", payload: checkoutPayload(c, t.shop.currency), eventId: `k${c.id}` },
    });
  }
  return out.sort((a, b) => a.at - b.at).map((x) => x.d);
}

/**
 * The WooCommerce store's webhooks, as the fake store would fire them: `order.created`, then an
 * `order.updated` when an order is cancelled (WooCommerce keeps no cancellation time: the modification
 * is it), and an older `order.updated` arriving after that, which must not bring the order back.
 */
function wooDeliveriesOf(t: ShopTraffic): Delivery[] {
  const out: { at: number; d: Delivery }[] = [];
  for (const o of t.orders) {
    const spec = wooOrderSpec(o);
    woo.orders.set(spec.id, { spec, status: "processing", modifiedAt: spec.createdAt, refunds: [] });
    const created = woo.payload(spec.id);
    out.push({ at: o.createdMs, d: { topic: "order.created", payload: created, eventId: `wc${spec.id}` } });
    if (o.cancelledMs !== null) {
      woo.orders.set(spec.id, { spec, status: "cancelled", modifiedAt: iso(o.cancelledMs), refunds: [] });
      const cancelled = woo.payload(spec.id);
      out.push({
        at: o.cancelledMs,
        d: { topic: "order.updated", payload: cancelled, eventId: `wx${spec.id}` },
      });
      out.push({
        at: o.cancelledMs + 1,
        d: { topic: "order.updated", payload: created, eventId: `wu${spec.id}` },
      });
    }
  }
  return out.sort((a, b) => a.at - b.at).map((x) => x.d);
}

/** Fires each payload at the store's hooks; WooCommerce's own delivery ids make every one new to us. */
async function fireAll(deliveries: Delivery[], concurrency = 16) {
  let next = 0;
  const before = woo.deliveries.length;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]!;
        await woo.fire(d.topic, d.payload);
      }
    }),
  );
  const answered = woo.deliveries.slice(before);
  expect(answered.length).toBe(deliveries.length);
  expect(answered.filter((a) => a.status !== 200)).toEqual([]);
}

async function deliverAll(sender: ShopifyWebhookSender, deliveries: Delivery[], concurrency = 16) {
  let next = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries.length) {
        const d = deliveries[next++]!;
        const res = await sender.deliver(d.topic, d.payload, { eventId: d.eventId });
        if (res.status !== 200)
          failures.push(`${d.topic} ${d.eventId}: ${res.status} ${JSON.stringify(res.body)}`);
      }
    }),
  );
  expect(failures).toEqual([]);
}

/** Grafana reads as QuestDB's read-only PG user, as docker-compose.yml sets it up. */
const READONLY = { user: "grafana", password: "grafana-readonly-test-password" };

beforeAll(async () => {
  // The QuestDB child inherits this process's environment (this file runs in its own worker).
  Object.assign(process.env, {
    QDB_PG_READONLY_USER_ENABLED: "true",
    QDB_PG_READONLY_USER: READONLY.user,
    QDB_PG_READONLY_PASSWORD: READONLY.password,
  });
  woo = await FakeWooCommerce.start();
  const wooShop: ShopSpec = { ...WOO_SHOP, shop: new URL(woo.siteUrl).host };
  traffic = [
    ...SHOPIFY_SHOPS.map((shop) => generateTraffic(shop, FROM, TO, 3)),
    asWooCommerce(generateTraffic(wooShop, FROM, TO, 3)),
  ];
  const shops = traffic.map((t) => t.shop);
  stack = await startTestStack({
    WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET,
    WOOCOMMERCE_STORE_URL: woo.siteUrl,
    SHOP_TIMEZONES: JSON.stringify(Object.fromEntries(shops.map((s) => [s.shop, s.tz]))),
    DEFAULT_SHOP_TIMEZONE: "Asia/Tokyo",
    BATCH_MAX_MESSAGES: "500",
    // A crashed processor's unacked batch comes back after this; short, to keep the test short.
    ACK_WAIT_MS: "3000",
  });
  // The store owner saves our hooks in WooCommerce → Settings → Advanced → Webhooks (ping first).
  for (const topic of ["order.created", "order.updated"]) {
    expect(await woo.addWebhook(topic, `${stack.ingestUrl}/webhooks/woocommerce`, WOO_SECRET)).toEqual({
      saved: true,
      pingStatus: 200,
    });
  }
  const perShop = traffic.map((t) => {
    if (t.shop.platform === "woocommerce") {
      return { deliveries: wooDeliveriesOf(t), send: (list: Delivery[]) => fireAll(list) };
    }
    const sender = new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET, t.shop.shop);
    return { deliveries: deliveriesOf(t), send: (list: Delivery[]) => deliverAll(sender, list) };
  });
  const half = (list: Delivery[], first: boolean) =>
    list.slice(first ? 0 : list.length >> 1, first ? list.length >> 1 : undefined);

  const started = performance.now();
  webhooksSent.from = Date.now();
  await Promise.all(perShop.map(({ send, deliveries }) => send(half(deliveries, true))));
  // A crash mid-stream: whatever was written but not acked is redelivered after the restart.
  await stack.processors.kill();
  await Promise.all(perShop.map(({ send, deliveries }) => send(half(deliveries, false))));
  await stack.processors.start();
  // Platforms retry for hours, past the broker's duplicate window: the same events under new ids.
  await Promise.all(
    perShop.map(({ send, deliveries }) =>
      send(deliveries.filter((_, i) => i % 29 === 0).map((d) => ({ ...d, eventId: `late-${d.eventId}` }))),
    ),
  );
  webhooksSent.to = Date.now();
  // A shop nobody configured gets DEFAULT_SHOP_TIMEZONE.
  const stranger = new ShopifyWebhookSender(
    stack.ingestUrl,
    TEST_SECRETS.SHOPIFY_API_SECRET,
    "tokyo.myshopify.com",
  );
  console.log(
    `delivered ${perShop.reduce((n, s) => n + s.deliveries.length, 0)} webhooks (+ late copies) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  await deliverAll(stranger, [
    {
      topic: "checkouts/create",
      payload: checkoutPayload({ id: 1n, createdMs: TO, totalCents: 1000 }, "JPY"),
      eventId: "k-jp",
    },
  ]);
  // Panels read orders and lines as well as sales_1m, each written by its own consumer.
  await settled(stack.natsUrl, stack.db, ["orders", "order_lines", "refunds", "sales_facts", "sales_1m"]);
  // The All shops panels read yesterday's and last week's hours from the hourly view.
  expect(await viewsRefreshed(stack.db, ["sales_1h"], 120_000)).toBe(true);
  await receiptsWritten(stack.db, new Map(traffic.map((t) => [t.shop.shop, webhooksSent.from])));
}, 360_000);

afterAll(async () => {
  if (latencies.size) {
    const rows = [...latencies].map(([name, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return `${name.padEnd(48)} median ${sorted[sorted.length >> 1]!.toFixed(1)} ms  max ${sorted.at(-1)!.toFixed(1)} ms`;
    });
    console.log(`panel query latency over the generated data (${rows.length} targets):\n${rows.join("\n")}`);
  }
  await stack?.stop();
  await woo?.stop();
});

const toTotals = (row: Record<string, number>) => ({
  ordersCreated: row.orders_created,
  gross: row.gross_minor,
  ordersCancelled: row.orders_cancelled,
  cancelled: row.cancelled_minor,
  refunds: row.refunds,
  refunded: row.refunds_minor,
  items: row.items,
  checkouts: row.checkouts,
});

describe("sales_1m", () => {
  it("holds exactly the windows computed from the generated traffic, after a crash and redeliveries", async () => {
    for (const t of traffic) {
      const expected = expectedWindows(t);
      const read = async () =>
        new Map(
          (
            await stack.db.rows<Record<string, number> & { ts: string }>(
              `SELECT * FROM sales_1m WHERE platform = ${sqlString(t.shop.platform)} AND shop = ${sqlString(t.shop.shop)} ORDER BY ts`,
            )
          ).map((row) => [Date.parse(row.ts), row]),
        );
      const rows = await eventually(
        async () => {
          const rows = await read();
          const revenue = [...rows.values()].reduce((s, r) => s + (r.revenue_minor ?? 0), 0);
          const expectedRevenue = [...expected.values()].reduce((s, w) => s + w.gross - w.cancelled, 0);
          expect({ windows: rows.size, revenue }).toEqual({
            windows: expected.size,
            revenue: expectedRevenue,
          });
          return rows;
        },
        // Messages the killed processor had pulled but not acked come back after ACK_WAIT_MS.
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      for (const [minute, w] of expected) {
        const row = rows.get(minute);
        expect(row, `${t.shop.shop} ${iso(minute)}`).toBeDefined();
        expect(toTotals(row!), `${t.shop.shop} ${iso(minute)}`).toEqual(w);
        expect(row!).toMatchObject({
          orders: w.ordersCreated - w.ordersCancelled,
          revenue_minor: w.gross - w.cancelled,
          net_minor: w.gross - w.cancelled - w.refunded,
          currency: t.shop.currency,
        });
      }
    }
    // Nothing more arrives later: once no consumer holds anything pending or unacknowledged (the
    // killed processor's redeliveries included) and QuestDB applied it all, the windows are final.
    await settled(stack.natsUrl, stack.db, ["sales_facts", "sales_1m"]);
    const count = await stack.db.exec("SELECT count(), sum(revenue_minor) FROM sales_1m");
    const all = traffic.map(expectedWindows);
    expect(count.dataset[0]).toEqual([
      all.reduce((s, m) => s + m.size, 0) + 1, // + the Tokyo shop's one checkout minute
      all.reduce((s, m) => s + [...m.values()].reduce((a, w) => a + w.gross - w.cancelled, 0), 0),
    ]);
  }, 90_000);

  it("knows each shop's zone: configured, or the default for a shop seen first", async () => {
    const shops = await eventually(async () => {
      const rows = await stack.db.rows(
        "SELECT shop, platform, timezone, currency, minor_per_unit, source FROM shops ORDER BY shop",
      );
      expect(rows).toHaveLength(4);
      return rows;
    });
    const wooShop = traffic.find((t) => t.shop.platform === "woocommerce")!.shop.shop;
    expect(shops).toEqual([
      {
        // "127.0.0.1:<port>" sorts first.
        shop: wooShop,
        platform: "woocommerce",
        timezone: "America/Los_Angeles",
        currency: "USD",
        minor_per_unit: 100,
        source: "config",
      },
      {
        shop: "berlin.myshopify.com",
        platform: "shopify",
        timezone: "Europe/Berlin",
        currency: "EUR",
        minor_per_unit: 100,
        source: "config",
      },
      {
        shop: "east.myshopify.com",
        platform: "shopify",
        timezone: "America/New_York",
        currency: "USD",
        minor_per_unit: 100,
        source: "config",
      },
      {
        shop: "tokyo.myshopify.com",
        platform: "shopify",
        timezone: "Asia/Tokyo",
        currency: "JPY",
        minor_per_unit: 1,
        source: "default",
      },
    ]);
  });

  it("keeps a zone the connect flow wrote when the shop's first event arrives later", async () => {
    const sender = await stack.db.sender();
    await writeShopRow(sender, {
      platform: "shopify",
      shop: "lisbon.myshopify.com",
      timezone: "Europe/Lisbon",
      currency: null,
      source: "connect",
    });
    await sender.flush();
    await sender.close();
    await eventually(async () =>
      expect(await stack.db.rows("SELECT shop FROM shops WHERE shop = 'lisbon.myshopify.com'")).toHaveLength(
        1,
      ),
    );
    const lisbon = new ShopifyWebhookSender(
      stack.ingestUrl,
      TEST_SECRETS.SHOPIFY_API_SECRET,
      "lisbon.myshopify.com",
    );
    await deliverAll(lisbon, [
      {
        topic: "checkouts/create",
        payload: checkoutPayload({ id: 2n, createdMs: TO, totalCents: 1000 }, "EUR"),
        eventId: "k-pt",
      },
    ]);
    await eventually(async () =>
      expect(
        await stack.db.rows(
          "SELECT timezone, currency, source FROM shops WHERE shop = 'lisbon.myshopify.com' AND currency = 'EUR'",
        ),
      ).toEqual([{ timezone: "Europe/Lisbon", currency: "EUR", source: "connect" }]),
    );
  });
});

describe("shop settings from the platforms", () => {
  it("takes a shop's zone from its canonical shop event, checked against QuestDB; configuration wins", async () => {
    const nc = await connect({ servers: stack.natsUrl });
    try {
      const js = jetstream(nc);
      const shopEvent = (platform: string, shop: string, info: Record<string, unknown>) => {
        const event = {
          v: 1,
          platform,
          shop,
          eventId: `shop-${shop}`,
          receivedAt: iso(TO),
          type: "shop" as const,
          shopInfo: { updatedAt: iso(TO), ...info },
        };
        return js.publish(eventSubject(event), JSON.stringify(event), { msgID: event.eventId });
      };
      // WordPress set to a manual offset: no zone name, only minutes east of UTC.
      await shopEvent("woocommerce", "wp.example", {
        currency: "INR",
        timeZone: null,
        utcOffsetMinutes: 330,
      });
      // A name QuestDB reads as UTC (Intl does not): refused, the offset is used instead.
      await shopEvent("bigcommerce", "bc.example", {
        currency: "USD",
        timeZone: "Etc/GMT+5",
        utcOffsetMinutes: -300,
      });
      // A configured shop keeps its configured zone, whatever the platform says.
      await shopEvent("shopify", "east.myshopify.com", {
        currency: "USD",
        timeZone: "America/Chicago",
        utcOffsetMinutes: null,
      });
    } finally {
      await nc.close();
    }
    await eventually(async () =>
      expect(
        await stack.db.rows(
          "SELECT shop, timezone, currency, source FROM shops WHERE shop IN ('wp.example', 'bc.example', 'east.myshopify.com') ORDER BY shop",
        ),
      ).toEqual([
        { shop: "bc.example", timezone: "-05:00", currency: "USD", source: "platform" },
        { shop: "east.myshopify.com", timezone: "America/New_York", currency: "USD", source: "config" },
        { shop: "wp.example", timezone: "+05:30", currency: "INR", source: "platform" },
      ]),
    );
  });

  it("refuses to start with a configured zone QuestDB would misread", async () => {
    const directory = new ShopDirectory(stack.db, {
      SHOP_TIMEZONES: { "x.myshopify.com": "Etc/GMT-5" },
      DEFAULT_SHOP_TIMEZONE: "UTC",
    });
    const sender = await stack.db.sender();
    try {
      await expect(directory.init(sender)).rejects.toThrow(
        /SHOP_TIMEZONES\.x\.myshopify\.com: QuestDB does not read "Etc\/GMT-5"/,
      );
    } finally {
      await sender.close();
    }
  });
});

// ---- every panel, as Grafana sends it ----

type Checker = (rows: Record<string, unknown>[], t: ShopTraffic, nowMs: number, ctx: QueryContext) => void;

const close = (value: unknown, expected: number | null, what: string) => {
  if (expected === null) expect(value, what).toBeNull();
  else {
    expect(typeof value, what).toBe("number");
    expect(value as number, what).toBeCloseTo(expected, 6);
  }
};
const change = (now: number | null, base: number | null) =>
  now === null || base === null || base === 0 ? null : (now - base) / Math.abs(base);

function spanMetrics(t: ShopTraffic, nowMs: number, daysBack: number) {
  return metrics(totalsWhere(t, spanFilter(nowMs, t.shop.tz, daysBack)));
}

function metricChecker(metric: MetricName): Checker {
  return (rows, t, nowMs) => {
    const [today, yesterday, lastWeek, lastYear] = [0, 1, 7, 364].map(
      (k) => spanMetrics(t, nowMs, k)[metric],
    );
    expect(rows).toHaveLength(1);
    const what = `${metric} ${t.shop.shop} @ ${iso(nowMs)}`;
    close(rows[0]!.Today, today!, what);
    close(rows[0]!["vs yesterday"], change(today!, yesterday!), `${what} vs yesterday`);
    close(rows[0]!["vs last week"], change(today!, lastWeek!), `${what} vs last week`);
    close(rows[0]!["vs last year"], change(today!, lastYear!), `${what} vs last year`);
  };
}

function curveChecker(daysBack: 0 | 1 | 7, label: string): Checker {
  return (rows, t, nowMs) => {
    const day = addDays(local(nowMs, t.shop.tz).date, -daysBack);
    const windows = [...expectedWindows(t)]
      .filter(([minute]) => local(minute, t.shop.tz).date === day && (daysBack > 0 || minute < nowMs))
      .sort(([a], [b]) => a - b);
    let cumulative = 0;
    const expected = windows.map(([minute, w]) => {
      cumulative += w.gross - w.cancelled;
      const l = local(minute, t.shop.tz);
      const time = daysBack ? localToUtc(addDays(l.date, daysBack), l.minuteOfDay, t.shop.tz) : minute;
      return [time, cumulative / 100];
    });
    const actual = rows.map((r) => [Date.parse(r.time as string), r[label] as number]);
    const byTime = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]!;
    expect(actual.sort(byTime).map(([time, v]) => [iso(time!), Math.round(v! * 100)])).toEqual(
      expected.sort(byTime).map(([time, v]) => [iso(time!), Math.round(v! * 100)]),
    );
  };
}

const checkers = new Map<string, Checker>([
  ...(["revenue", "orders", "aov", "conversion", "net"] as const).map(
    (m) => [metricComparison(m), metricChecker(m)] as [string, Checker],
  ),
  // No site in BEHAVIOUR_SITES names these shops, so no sessions: no value (figures: behaviour-funnel.test.ts).
  [sessionConversionToday(), (rows) => expect(rows).toEqual([{ "Orders ÷ sessions": null }])],
  [revenueCurve(0, "Today"), curveChecker(0, "Today")],
  [revenueCurve(1, "Yesterday"), curveChecker(1, "Yesterday")],
  [revenueCurve(7, "Last week"), curveChecker(7, "Last week")],
  [
    comparisonTable(),
    (rows, t, nowMs) => {
      expect(rows.map((r) => r.Period)).toEqual([
        "Today",
        "Same time yesterday",
        "Same time last week",
        "Same time last year",
      ]);
      [0, 1, 7, 364].forEach((k, i) => {
        const m = spanMetrics(t, nowMs, k);
        const what = `table ${t.shop.shop} @ ${iso(nowMs)} -${k}d`;
        close(rows[i]!.Revenue, m.revenue, what);
        close(rows[i]!.Orders, m.orders, what);
        close(rows[i]!.AOV, m.aov, what);
        close(rows[i]!.Conversion, m.conversion, what);
        close(rows[i]!["Net revenue"], m.net, what);
      });
    },
  ],
  [
    ordersPerMinute(),
    (rows, t, _nowMs, ctx) => {
      const from = ctx.from.getTime();
      const to = ctx.to.getTime();
      const expected = [...expectedWindows(t)]
        .filter(([minute, w]) => minute >= from && minute <= to && w.ordersCreated > 0)
        .map(([minute, w]) => [iso(minute), w.ordersCreated])
        .sort();
      const actual = rows.map((r) => [iso(Date.parse(r.time as string)), r["Orders per minute"] as number]);
      expect(actual.filter(([, v]) => v !== 0).sort()).toEqual(expected);
      for (const [time] of actual)
        expect(Date.parse(time as string)).toBeGreaterThanOrEqual(Math.floor(from / MINUTE) * MINUTE);
    },
  ],
  [
    topProducts(),
    (rows, t, nowMs) => {
      const today = local(nowMs, t.shop.tz).date;
      const bySku = new Map<string, { units: number; revenue: number }>();
      for (const o of t.orders) {
        if (
          o.test ||
          o.cancelledMs !== null ||
          o.createdMs >= nowMs ||
          local(o.createdMs, t.shop.tz).date !== today
        )
          continue;
        for (const line of o.spec.lines) {
          const s = bySku.get(line.sku!) ?? { units: 0, revenue: 0 };
          s.units += line.quantity;
          s.revenue += line.priceCents * line.quantity - (line.discountCents ?? 0);
          bySku.set(line.sku!, s);
        }
      }
      const expected = [...bySku]
        .sort(([a, x], [b, y]) => y.units - x.units || (a < b ? -1 : 1))
        .slice(0, 10)
        .map(([sku, s]) => ({ SKU: sku, Units: s.units, Revenue: s.revenue / 100 }));
      expect(rows.map((r) => ({ ...r, Revenue: Math.round((r.Revenue as number) * 100) / 100 }))).toEqual(
        expected,
      );
    },
  ],
  [
    SHOP_CAPTURED_VS_ORDERED,
    // No processor sends payments here (test/stripe.test.ts checks captures): Ordered is the span's revenue.
    (rows, t, nowMs) => {
      const spans = [
        [0, "Today"],
        [1, "Same time yesterday"],
        [7, "Same time last week"],
      ] as const;
      // One row per span that has sales_1m windows (a span of only cancelled or test orders sums to 0).
      expect(rows.map((r) => r.Span)).toEqual(
        spans.map(([, label]) => label).filter((label) => rows.some((r) => r.Span === label)),
      );
      for (const [k, label] of spans) {
        const m = spanMetrics(t, nowMs, k);
        const row = rows.find((r) => r.Span === label);
        const what = `payments row ${t.shop.shop} @ ${iso(nowMs)} ${label}`;
        if (!row) {
          expect({ orders: m.orders, revenue: m.revenue }, what).toEqual({ orders: 0, revenue: 0 });
          continue;
        }
        expect(row, what).toMatchObject({
          Currency: t.shop.currency,
          Orders: m.orders,
          Captured: 0,
          Payments: 0,
        });
        close(row.Ordered, m.revenue, what);
      }
    },
  ],
  [
    ONE_SHOP_LAST_WEBHOOK,
    (rows) => {
      expect(rows).toHaveLength(1);
      const at = Date.parse(rows[0]!.last_webhook as string);
      expect(at).toBeGreaterThanOrEqual(webhooksSent.from);
      expect(at).toBeLessThanOrEqual(webhooksSent.to);
      // Whole seconds from the receipt to QuestDB's now(), taken just before this check.
      const age = (Date.now() - at) / 1000;
      expect(rows[0]!.age_seconds).toBeGreaterThanOrEqual(Math.floor(age) - 5);
      expect(rows[0]!.age_seconds).toBeLessThanOrEqual(Math.ceil(age) + 1);
    },
  ],
  [
    ONE_SHOP_HEALTH,
    // No platform API is configured here, so nothing was reconciled; test/reconcile.test.ts checks it with data.
    (rows) =>
      expect(rows).toEqual([
        {
          days_checked: 0,
          last_reconciliation: null,
          differences_found: null,
          fixed: null,
          persisting: null,
        },
      ]),
  ],
]);

function targetsOf(d: Dashboard): { panel: Panel; refId: string; rawSql: string }[] {
  return (d.panels ?? []).flatMap((p) =>
    // SQL targets only: the TV wall's stats also subscribe to Grafana Live (test/dashboards.test.ts).
    ((p as Panel).targets ?? [])
      .filter((t) => "rawSql" in t)
      .map((t) => ({
        panel: p as Panel,
        ...(t as unknown as { refId: string; rawSql: string }),
      })),
  );
}

type Variables = Record<string, string | string[]>;
type Base = Omit<QueryContext, "variables" | "allSelected">;

/** A variable query's values, run as Grafana runs it. */
async function valuesOf(sql: string, ctx: QueryContext): Promise<string[]> {
  const result = await stack.db.exec<[unknown]>(renderQuery(sql, ctx));
  return result.dataset.map((row) => String(row[0]));
}

/**
 * The platform variable as a viewer leaves it: All (Grafana then writes every listed platform, and the
 * plugin's $__conditionalAll drops the filter) or a choice of platforms.
 */
async function choosePlatforms(base: Base, platforms: string[] | null) {
  const listed = await valuesOf(CHOICE_QUERIES.platform, { ...base, variables: {} });
  expect(listed).toEqual(expect.arrayContaining(["shopify", "woocommerce"]));
  if (platforms) for (const p of platforms) expect(listed).toContain(p);
  return {
    variables: { platform: platforms ?? listed } as Variables,
    allSelected: platforms ? [] : ["platform"],
  };
}

/**
 * Grafana resolves the variables first, with the same data source, in dependency order: the
 * platforms (All, or the shop's own), the shops on them, then what `shops` says of the chosen one.
 */
async function resolveVariables(t: ShopTraffic, base: Base, ownPlatformOnly: boolean) {
  const { variables, allSelected } = await choosePlatforms(base, ownPlatformOnly ? [t.shop.platform] : null);
  const shops = await valuesOf(VARIABLE_QUERIES.shop, { ...base, variables, allSelected });
  expect(shops).toContain(t.shop.shop);
  if (ownPlatformOnly) {
    for (const other of traffic.filter((o) => o.shop.platform !== t.shop.platform))
      expect(shops, `${other.shop.shop} is not on ${t.shop.platform}`).not.toContain(other.shop.shop);
  }
  variables.shop = t.shop.shop;
  for (const name of ["shop_platform", "tz", "minor", "currency"] as const) {
    const values = await valuesOf(VARIABLE_QUERIES[name], { ...base, variables, allSelected });
    expect(values, name).toHaveLength(1);
    variables[name] = values[0]!;
  }
  return { variables, allSelected };
}

/** The viewer's "today" in the store's zone: local midnight to now. */
function shopDay(t: ShopTraffic, nowMs: number): Base {
  const l = local(nowMs, t.shop.tz);
  return { from: new Date(localToUtc(l.date, 0, t.shop.tz)), to: new Date(nowMs), maxDataPoints: 1000 };
}

function timed(name: string, started: number) {
  latencies.set(name, [...(latencies.get(name) ?? []), performance.now() - started]);
}

// Dashboards whose panels run against their own data elsewhere: Inventory in test/inventory.test.ts,
// Customer behaviour in test/behaviour.test.ts, Data health in test/reconcile.test.ts, Fulfilment in
// test/shipstation.test.ts and test/journey.test.ts, Payments in test/stripe.test.ts, Order journey in
// test/journey.test.ts; the all-shops dashboard below.
const OTHER_DASHBOARDS = [
  "inventory.json",
  "all-shops.json",
  "behaviour.json",
  "data-health.json",
  "fulfilment.json",
  "payments.json",
  "order-journey.json",
];
const SHOP_DASHBOARDS = DASHBOARDS.filter((d) => !OTHER_DASHBOARDS.includes(d.file));
describe.each(SHOP_DASHBOARDS.map((d) => [d.file, d] as const))("dashboard %s", (_file, { build }) => {
  const dashboard = build();

  it("has a check for every panel target", () => {
    const targets = targetsOf(dashboard);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect(checkers.has(t.rawSql), `${t.panel.title} ${t.refId}`).toBe(true);
  });

  it.each(
    NOWS.map((n, i) => [iso(n), i % 2 ? "its own platform" : "all platforms", n, i % 2 === 1] as const),
  )(
    "every panel returns the hand-computed values as of %s, for every shop, on %s",
    async (_at, _platforms, nowMs, ownPlatformOnly) => {
      for (const t of traffic) {
        const base = shopDay(t, nowMs);
        const { variables, allSelected } = await resolveVariables(t, base, ownPlatformOnly);
        expect({ ...variables, platform: undefined }).toEqual({
          platform: undefined,
          shop: t.shop.shop,
          shop_platform: t.shop.platform,
          tz: t.shop.tz,
          minor: "100",
          currency: t.shop.currency,
        });
        for (const target of targetsOf(dashboard)) {
          const ctx: QueryContext = {
            ...base,
            maxDataPoints: target.panel.maxDataPoints ?? base.maxDataPoints,
            minInterval: target.panel.interval,
            variables,
            allSelected,
          };
          const sql = renderQuery(target.rawSql, ctx);
          const started = performance.now();
          const rows = await stack.db.rows(sql);
          timed(`${target.panel.title?.replace(" (${currency})", "")} ${target.refId}`, started);
          checkers.get(target.rawSql)!(rows, t, nowMs, ctx);
        }
      }
    },
  );
});

// ---- several shops at once: per currency, each shop over its own local day ----

/** Money of a span's totals: revenue, orders and refunds, as the dashboards count them. */
const sales = (x: Totals) => ({
  revenue: x.gross - x.cancelled,
  orders: x.ordersCreated - x.ordersCancelled,
  refunds: x.refunded,
});

/** Sums over shops, each over its own local day (today, or the same time `daysBack` days before). */
function sumOverShops(shops: ShopTraffic[], nowMs: number, daysBack: number) {
  return shops
    .map((t) => sales(totalsWhere(t, spanFilter(nowMs, t.shop.tz, daysBack))))
    .reduce((a, b) => ({
      revenue: a.revenue + b.revenue,
      orders: a.orders + b.orders,
      refunds: a.refunds + b.refunds,
    }));
}

/** The money columns for shops of ONE currency (minor units per unit 100 for USD and EUR). */
function expectedMoney(shops: ShopTraffic[], nowMs: number): Record<string, number | null> {
  const [today, yesterday, lastWeek] = [0, 1, 7].map((k) => sumOverShops(shops, nowMs, k));
  return {
    "Revenue today": today!.revenue / 100,
    "Yesterday same time": yesterday!.revenue / 100,
    "Last week same time": lastWeek!.revenue / 100,
    "vs yesterday": change(today!.revenue, yesterday!.revenue),
    "vs last week": change(today!.revenue, lastWeek!.revenue),
    Orders: today!.orders,
    AOV: today!.orders > 0 ? today!.revenue / 100 / today!.orders : null,
    Refunds: today!.refunds / 100,
    "Net revenue": (today!.revenue - today!.refunds) / 100,
  };
}

function byCurrency(shops: ShopTraffic[]): [string, ShopTraffic[]][] {
  const groups = new Map<string, ShopTraffic[]>();
  for (const t of shops) groups.set(t.shop.currency, [...(groups.get(t.shop.currency) ?? []), t]);
  return [...groups].sort(([a], [b]) => (a < b ? -1 : 1));
}

function expectRows(rows: Record<string, unknown>[], expected: Record<string, unknown>[], what: string) {
  expect(
    rows.map((r) => Object.keys(r)),
    what,
  ).toEqual(expected.map((e) => Object.keys(e)));
  expected.forEach((e, i) => {
    for (const [key, value] of Object.entries(e)) {
      if (typeof value === "number" || value === null) close(rows[i]![key], value, `${what} row ${i} ${key}`);
      else expect(rows[i]![key], `${what} row ${i} ${key}`).toBe(value);
    }
  });
}

type AllShopsChecker = (
  rows: Record<string, unknown>[],
  chosen: ShopTraffic[],
  nowMs: number,
  ctx: QueryContext,
) => void;

function currencyCurveChecker(daysBack: 0 | 1 | 7, label: string): AllShopsChecker {
  return (rows, chosen, nowMs) => {
    const expected = byCurrency(chosen)
      .flatMap(([currency, shops]) =>
        expectedCurve(shops, nowMs, daysBack).map(([time, minor]) => [iso(time), currency, minor] as const),
      )
      .sort(([ta, ca], [tb, cb]) => (ta === tb ? (ca < cb ? -1 : 1) : ta < tb ? -1 : 1));
    const actual = rows.map(
      (r) => [iso(Date.parse(r.time as string)), r.currency, Math.round((r[label] as number) * 100)] as const,
    );
    expect(actual, `${label} @ ${iso(nowMs)}`).toEqual(expected);
  };
}

const allShopsCheckers = new Map<string, AllShopsChecker>([
  [
    currencyTable(),
    (rows, chosen, nowMs) =>
      expectRows(
        rows,
        byCurrency(chosen).map(([currency, shops]) => ({
          Currency: currency,
          ...expectedMoney(shops, nowMs),
        })),
        `by currency @ ${iso(nowMs)}`,
      ),
  ],
  [
    shopTable(),
    (rows, chosen, nowMs) =>
      expectRows(
        rows,
        [...chosen]
          .sort((a, b) => (a.shop.platform + a.shop.shop < b.shop.platform + b.shop.shop ? -1 : 1))
          .map((t) => ({
            Platform: t.shop.platform,
            Shop: t.shop.shop,
            Currency: t.shop.currency,
            "Time zone": t.shop.tz,
            ...expectedMoney([t], nowMs),
          })),
        `by shop @ ${iso(nowMs)}`,
      ),
  ],
  [
    ordersComparison(),
    (rows, chosen, nowMs) => {
      // Counts add up across currencies.
      const [today, yesterday, lastWeek] = [0, 1, 7].map((k) => sumOverShops(chosen, nowMs, k).orders);
      expectRows(
        rows,
        [
          {
            Today: today!,
            "vs yesterday": change(today!, yesterday!),
            "vs last week": change(today!, lastWeek!),
          },
        ],
        `orders @ ${iso(nowMs)}`,
      );
    },
  ],
  [currencyRevenueCurve(0, "Today"), currencyCurveChecker(0, "Today")],
  [currencyRevenueCurve(1, "Yesterday"), currencyCurveChecker(1, "Yesterday")],
  [currencyRevenueCurve(7, "Last week"), currencyCurveChecker(7, "Last week")],
  [
    ordersPerMinuteAll(),
    (rows, chosen, _nowMs, ctx) => {
      const from = ctx.from.getTime();
      const to = ctx.to.getTime();
      const perMinute = new Map<number, number>();
      for (const t of chosen)
        for (const [minute, w] of expectedWindows(t))
          if (minute >= from && minute <= to && w.ordersCreated > 0)
            perMinute.set(minute, (perMinute.get(minute) ?? 0) + w.ordersCreated);
      const expected = [...perMinute].map(([minute, n]) => [iso(minute), n]).sort();
      const actual = rows.map((r) => [iso(Date.parse(r.time as string)), r["Orders per minute"] as number]);
      expect(actual.filter(([, v]) => v !== 0).sort()).toEqual(expected);
    },
  ],
]);

/** What a viewer picks: platforms (null: All) and shops (null: All) among the generated ones. */
const CHOICES: { label: string; platforms: string[] | null; shops: ((t: ShopTraffic) => boolean) | null }[] =
  [
    { label: "every platform, every shop", platforms: null, shops: null },
    { label: "Shopify, every shop", platforms: ["shopify"], shops: null },
    { label: "WooCommerce, every shop", platforms: ["woocommerce"], shops: null },
    {
      label: "the two USD shops, on two platforms",
      platforms: null,
      shops: (t) => t.shop.currency === "USD",
    },
    {
      label: "two shops in two currencies",
      platforms: ["shopify"],
      shops: (t) => t.shop.platform === "shopify",
    },
  ];

/** The viewer's day, in no shop's zone in particular: the 24 hours up to now. */
const lastDay = (nowMs: number): Base => ({
  from: new Date(nowMs - 86_400_000),
  to: new Date(nowMs),
  maxDataPoints: 1000,
});

async function resolveChoice(base: Base, choice: (typeof CHOICES)[number]) {
  const { variables, allSelected } = await choosePlatforms(base, choice.platforms);
  const listed = await valuesOf(CHOICE_QUERIES.shop, { ...base, variables, allSelected });
  const onPlatforms = traffic.filter((t) => !choice.platforms || choice.platforms.includes(t.shop.platform));
  for (const t of traffic) expect(listed.includes(t.shop.shop), t.shop.shop).toBe(onPlatforms.includes(t));
  const chosen = choice.shops ? onPlatforms.filter(choice.shops) : onPlatforms;
  variables.shop = choice.shops ? chosen.map((t) => t.shop.shop) : listed;
  return { variables, allSelected: choice.shops ? allSelected : [...allSelected, "shop"], chosen };
}

describe("dashboard all-shops.json", () => {
  const dashboard = DASHBOARDS.find((d) => d.file === "all-shops.json")!.build();

  it("has a check for every panel target", () => {
    expect(dashboard.uid).toBe(ALL_SHOPS_UID);
    const targets = targetsOf(dashboard);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect(allShopsCheckers.has(t.rawSql), `${t.panel.title} ${t.refId}`).toBe(true);
  });

  it("has data in two currencies at every moment checked, so adding them up would show", () => {
    for (const nowMs of NOWS) {
      const currencies = byCurrency(traffic).filter(([, shops]) => sumOverShops(shops, nowMs, 0).revenue > 0);
      expect(
        currencies.map(([c]) => c),
        iso(nowMs),
      ).toEqual(["EUR", "USD"]);
    }
  });

  it.each(NOWS.flatMap((n) => CHOICES.map((c) => [iso(n), c.label, n, c] as const)))(
    "every panel returns the hand-computed values as of %s for %s",
    async (_at, _label, nowMs, choice) => {
      const base = lastDay(nowMs);
      const { variables, allSelected, chosen } = await resolveChoice(base, choice);
      expect(chosen.length).toBeGreaterThan(0);
      for (const target of targetsOf(dashboard)) {
        const ctx: QueryContext = {
          ...base,
          maxDataPoints: target.panel.maxDataPoints ?? base.maxDataPoints,
          minInterval: target.panel.interval,
          variables,
          allSelected,
        };
        const started = performance.now();
        const rows = await stack.db.rows(renderQuery(target.rawSql, ctx));
        timed(`All shops: ${target.panel.title} ${target.refId}`, started);
        allShopsCheckers.get(target.rawSql)!(rows, chosen, nowMs, ctx);
      }
    },
  );
});

// ---- the same SQL over the PostgreSQL wire, the way the plugin connects ----

const psqlPath = ["/usr/bin/psql", "/usr/local/bin/psql"].find((p) => {
  try {
    execFileSync(p, ["--version"]);
    return true;
  } catch {
    return false;
  }
});

/** psql's unaligned output next to /exec's JSON: timestamps and numbers written the same way. */
function normalise(value: unknown): string {
  if (value === null || value === undefined || value === "∅") return "∅";
  const text = String(value);
  const ts = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}\.\d{6})Z?$/.exec(text);
  if (ts) return `${ts[1]}T${ts[2]}Z`;
  const n = Number(text);
  return text !== "" && Number.isFinite(n) ? String(Math.round(n * 1e9) / 1e9) : text;
}

// Not skipped when psql is missing: a check that quietly does not run reads as a pass.
describe("over QuestDB's PG wire, as the read-only user the data source logs in as", () => {
  it("every panel's SQL returns what /exec returns", async () => {
    if (!psqlPath)
      throw new Error("psql not found: apt-get install postgresql-client (services/bootstrap.sh)");
    const nowMs = NOWS[2]!;
    const port = stack.questdb!.ports.pg;
    /** psql as Grafana's read-only login, over QuestDB's PG wire. */
    const psql = (args: string[]) =>
      execFileSync(
        psqlPath!,
        ["-h", "127.0.0.1", "-p", String(port), "-U", READONLY.user, "-d", "qdb", "-X", ...args],
        {
          env: { ...process.env, PGPASSWORD: READONLY.password },
          encoding: "utf8",
          stdio: "pipe",
        },
      );
    const queries: { name: string; sql: string }[] = [];
    const render = (
      target: ReturnType<typeof targetsOf>[number],
      base: Base,
      chosen: Omit<QueryContext, keyof Base>,
    ) => ({
      name: `${target.panel.title} ${target.refId}`,
      sql: renderQuery(target.rawSql, {
        ...base,
        maxDataPoints: target.panel.maxDataPoints ?? base.maxDataPoints,
        minInterval: target.panel.interval,
        ...chosen,
      }),
    });
    const liveSales = DASHBOARDS.find((d) => d.file === "live-sales.json")!.build();
    for (const t of traffic) {
      const base = shopDay(t, nowMs);
      const chosen = await resolveVariables(t, base, false);
      for (const target of targetsOf(liveSales)) queries.push(render(target, base, chosen));
    }
    const allShops = DASHBOARDS.find((d) => d.file === "all-shops.json")!.build();
    const { variables, allSelected } = await resolveChoice(lastDay(nowMs), CHOICES[0]!);
    for (const target of targetsOf(allShops))
      queries.push(render(target, lastDay(nowMs), { variables, allSelected }));
    const overHttp = async (sql: string) =>
      (await stack.db.exec(sql)).dataset.map((row) => row.map(normalise).join("|"));
    for (const { name, sql } of queries) {
      const before = await overHttp(sql);
      const overPg = psql(["-A", "-t", "-F", "|", "-P", "null=∅", "-c", sql])
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => line.split("|").map(normalise).join("|"));
      // A panel that reads now() (an age in seconds) may tick between two reads: the PG answer must
      // then be the /exec answer from just before it or from just after it.
      const after = overPg.join("\n") === before.join("\n") ? before : await overHttp(sql);
      expect([before, after], name).toContainEqual(overPg);
      expect(before.length, `${name} returns rows`).toBeGreaterThan(0);
    }
    // And the data source cannot change anything.
    expect(() => psql(["-c", "DROP TABLE sales_1m"])).toThrow(/permission denied/i);
  });
});
