import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dashboard, Panel } from "@grafana/grafana-foundation-sdk/dashboard";
import { connect } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import { eventSubject } from "../core/events.ts";
import { sqlString } from "../core/questdb.ts";
import { DASHBOARDS } from "../grafana/dashboards.ts";
import { renderQuery, type QueryContext } from "../grafana/interpolate.ts";
import {
  comparisonTable,
  metricComparison,
  ordersPerMinute,
  revenueCurve,
  topProducts,
  VARIABLE_QUERIES,
  type MetricName,
} from "../processors/sales/queries.ts";
import { ShopDirectory, writeShopRow } from "../processors/sales/shops.ts";
import { eventually } from "./support/eventually.ts";
import { orderPayload, refundPayload, ShopifyWebhookSender } from "./support/shopify-webhooks.ts";
import { startTestStack, TEST_SECRETS } from "./support/stack.ts";
import {
  addDays,
  checkoutPayload,
  expectedWindows,
  generateTraffic,
  iso,
  local,
  localToUtc,
  metrics,
  MINUTE,
  spanFilter,
  totalsWhere,
  type ShopSpec,
  type ShopTraffic,
} from "./sales-fixtures.ts";

/**
 * Live sales on the real pipeline: a day and a week (and a bit) of generated traffic for two shops in
 * different time zones goes through signed webhooks, ingest, JetStream and the processors (killed once
 * mid-stream, with redeliveries and stale updates), then every dashboard panel's SQL runs on QuestDB
 * as Grafana would send it and is compared with figures computed here from the generated orders.
 * Both shops cross a DST change in the data: Berlin on 2026-10-25, New York on 2026-11-01.
 */

const SHOPS: ShopSpec[] = [
  { shop: "east.myshopify.com", tz: "America/New_York", currency: "USD", seed: 11, base: 1_000_000n },
  { shop: "berlin.myshopify.com", tz: "Europe/Berlin", currency: "EUR", seed: 29, base: 5_000_000n },
];
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
const traffic: ShopTraffic[] = SHOPS.map((shop) => generateTraffic(shop, FROM, TO, 3));
const latencies = new Map<string, number[]>();

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
  stack = await startTestStack({
    SHOP_TIMEZONES: JSON.stringify(Object.fromEntries(SHOPS.map((s) => [s.shop, s.tz]))),
    DEFAULT_SHOP_TIMEZONE: "Asia/Tokyo",
    BATCH_MAX_MESSAGES: "500",
    // A crashed processor's unacked batch comes back after this; short, to keep the test short.
    ACK_WAIT_MS: "3000",
  });
  const perShop = traffic.map((t) => ({
    sender: new ShopifyWebhookSender(stack.ingestUrl, TEST_SECRETS.SHOPIFY_API_SECRET, t.shop.shop),
    deliveries: deliveriesOf(t),
  }));
  const half = (list: Delivery[], first: boolean) =>
    list.slice(first ? 0 : list.length >> 1, first ? list.length >> 1 : undefined);

  const started = performance.now();
  await Promise.all(perShop.map(({ sender, deliveries }) => deliverAll(sender, half(deliveries, true))));
  // A crash mid-stream: whatever was written but not acked is redelivered after the restart.
  await stack.processors.kill();
  await Promise.all(perShop.map(({ sender, deliveries }) => deliverAll(sender, half(deliveries, false))));
  await stack.processors.start();
  // Platforms retry for hours, past the broker's duplicate window: the same events under new ids.
  await Promise.all(
    perShop.map(({ sender, deliveries }) =>
      deliverAll(
        sender,
        deliveries.filter((_, i) => i % 29 === 0).map((d) => ({ ...d, eventId: `late-${d.eventId}` })),
      ),
    ),
  );
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
}, 240_000);

afterAll(async () => {
  if (latencies.size) {
    const rows = [...latencies].map(([name, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return `${name.padEnd(48)} median ${sorted[sorted.length >> 1]!.toFixed(1)} ms  max ${sorted.at(-1)!.toFixed(1)} ms`;
    });
    console.log(`panel query latency over the generated data (${rows.length} targets):\n${rows.join("\n")}`);
  }
  await stack?.stop();
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
              `SELECT * FROM sales_1m WHERE shop = ${sqlString(t.shop.shop)} ORDER BY ts`,
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
    // Nothing more arrives later: the windows stay as they are (no delayed double counting).
    await new Promise((r) => setTimeout(r, 1500));
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
      expect(rows).toHaveLength(3);
      return rows;
    });
    expect(shops).toEqual([
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
    const [today, yesterday, lastWeek] = [0, 1, 7].map((k) => spanMetrics(t, nowMs, k)[metric]);
    expect(rows).toHaveLength(1);
    const what = `${metric} ${t.shop.shop} @ ${iso(nowMs)}`;
    close(rows[0]!.Today, today!, what);
    close(rows[0]!["vs yesterday"], change(today!, yesterday!), `${what} vs yesterday`);
    close(rows[0]!["vs last week"], change(today!, lastWeek!), `${what} vs last week`);
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
  [revenueCurve(0, "Today"), curveChecker(0, "Today")],
  [revenueCurve(1, "Yesterday"), curveChecker(1, "Yesterday")],
  [revenueCurve(7, "Last week"), curveChecker(7, "Last week")],
  [
    comparisonTable(),
    (rows, t, nowMs) => {
      expect(rows.map((r) => r.Period)).toEqual(["Today", "Same time yesterday", "Same time last week"]);
      [0, 1, 7].forEach((k, i) => {
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
]);

function targetsOf(d: Dashboard): { panel: Panel; refId: string; rawSql: string }[] {
  return (d.panels ?? []).flatMap((p) =>
    ((p as Panel).targets ?? []).map((t) => ({
      panel: p as Panel,
      ...(t as unknown as { refId: string; rawSql: string }),
    })),
  );
}

/** Grafana resolves the variables first, with the same datasource, in dependency order. */
async function resolveVariables(shop: string, ctx: Omit<QueryContext, "variables">) {
  const variables: Record<string, string> = {};
  const shops = await stack.db.exec<[string]>(renderQuery(VARIABLE_QUERIES.shop, { ...ctx, variables }));
  expect(shops.dataset.map((r) => r[0])).toContain(shop);
  variables.shop = shop;
  for (const name of ["tz", "minor", "currency"] as const) {
    const result = await stack.db.exec<[unknown]>(renderQuery(VARIABLE_QUERIES[name], { ...ctx, variables }));
    expect(result.dataset, name).toHaveLength(1);
    variables[name] = String(result.dataset[0]![0]);
  }
  return variables;
}

// The Inventory dashboard's panels are run against inventory data in test/inventory.test.ts.
const SALES_DASHBOARDS = DASHBOARDS.filter((d) => d.file !== "inventory.json");
describe.each(SALES_DASHBOARDS.map((d) => [d.file, d] as const))("dashboard %s", (_file, { build }) => {
  const dashboard = build();

  it("has a check for every panel target", () => {
    const targets = targetsOf(dashboard);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) expect(checkers.has(t.rawSql), `${t.panel.title} ${t.refId}`).toBe(true);
  });

  it.each(NOWS.map((n) => [iso(n), n] as const))(
    "every panel returns the hand-computed values as of %s, for both shops",
    async (_label, nowMs) => {
      for (const t of traffic) {
        // The viewer's "today" in the store's zone: local midnight to now.
        const l = local(nowMs, t.shop.tz);
        const base = {
          from: new Date(localToUtc(l.date, 0, t.shop.tz)),
          to: new Date(nowMs),
          maxDataPoints: 1000,
        };
        const variables = await resolveVariables(t.shop.shop, base);
        expect(variables).toEqual({
          shop: t.shop.shop,
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
          };
          const sql = renderQuery(target.rawSql, ctx);
          const started = performance.now();
          const rows = await stack.db.rows(sql);
          const name = `${target.panel.title?.replace(" (${currency})", "")} ${target.refId}`;
          latencies.set(name, [...(latencies.get(name) ?? []), performance.now() - started]);
          checkers.get(target.rawSql)!(rows, t, nowMs, ctx);
        }
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

describe.skipIf(!psqlPath)("over QuestDB's PG wire, as the read-only user the data source logs in as", () => {
  it("every panel's SQL returns what /exec returns", async () => {
    const { build } = DASHBOARDS.find((d) => d.file === "live-sales.json")!;
    const nowMs = NOWS[2]!;
    const port = stack.questdb!.ports.pg;
    for (const t of traffic) {
      const l = local(nowMs, t.shop.tz);
      const base = {
        from: new Date(localToUtc(l.date, 0, t.shop.tz)),
        to: new Date(nowMs),
        maxDataPoints: 1000,
      };
      const variables = await resolveVariables(t.shop.shop, base);
      for (const target of targetsOf(build())) {
        const sql = renderQuery(target.rawSql, {
          ...base,
          maxDataPoints: target.panel.maxDataPoints ?? base.maxDataPoints,
          minInterval: target.panel.interval,
          variables,
        });
        const overHttp = (await stack.db.exec(sql)).dataset.map((row) => row.map(normalise).join("|"));
        const overPg = execFileSync(
          psqlPath!,
          [
            "-h",
            "127.0.0.1",
            "-p",
            String(port),
            "-U",
            READONLY.user,
            "-d",
            "qdb",
            "-X",
            "-A",
            "-t",
            "-F",
            "|",
            "-P",
            "null=∅",
            "-c",
            sql,
          ],
          { env: { ...process.env, PGPASSWORD: READONLY.password }, encoding: "utf8" },
        )
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => line.split("|").map(normalise).join("|"));
        expect(overPg, `${target.panel.title} ${target.refId}`).toEqual(overHttp);
        expect(overHttp.length, `${target.panel.title} ${target.refId} returns rows`).toBeGreaterThan(0);
      }
    }
    // And the data source cannot change anything.
    expect(() =>
      execFileSync(
        psqlPath!,
        [
          "-h",
          "127.0.0.1",
          "-p",
          String(port),
          "-U",
          READONLY.user,
          "-d",
          "qdb",
          "-X",
          "-c",
          "DROP TABLE sales_1m",
        ],
        { env: { ...process.env, PGPASSWORD: READONLY.password }, encoding: "utf8", stdio: "pipe" },
      ),
    ).toThrow(/permission denied/i);
  });
});
