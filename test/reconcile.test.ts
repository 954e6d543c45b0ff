import { jetstream } from "@nats-io/jetstream";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../core/log.ts";
import { sqlString } from "../core/questdb.ts";
import { seededRandom } from "../core/seeded-random.ts";
import { jetStreamPublisher } from "../ingest/publish.ts";
import { FakeBigCommerce, type BcOrderSpec } from "./fakes/bigcommerce/store.ts";
import { bigcommerce } from "../platforms/bigcommerce/index.ts";
import { FakeWooCommerce, wooOrderTotals, type WooOrderSpec } from "./fakes/woocommerce/store.ts";
import { woocommerce } from "../platforms/woocommerce/index.ts";
import { reconcileShop } from "../processors/reconcile/index.ts";
import { DASHBOARDS } from "../grafana/dashboards.ts";
import { renderQuery } from "../grafana/interpolate.ts";
import { ONE_SHOP_HEALTH, RECONCILIATION_BY_SHOP } from "../grafana/sql/data-health.ts";
import { eventually } from "./support/eventually.ts";
import { measure } from "../alerting/measure.ts";
import { parseRule } from "../alerting/rules.ts";
import { recordCheck } from "../processors/reconcile/record.ts";
import { startTestStack } from "./support/stack.ts";

/**
 * Reconciliation on the real pipeline: the fakes hold orders whose webhooks never reached us. Per
 * store-local day our count (QuestDB) is compared with the platform's own (WooCommerce `X-WP-Total`,
 * BigCommerce `/v2/orders/count`), the day is re-read through the same dedupe, checked again and
 * recorded. Expected figures are computed here from the generated specs, per day in the store's zone.
 */

const WOO_SECRET = "woo-reconcile-secret-0123456789";
const BC_SECRET = "bc-reconcile-secret-0123456789";
const log = createLogger("test", "silent");
const HOUR = 3_600_000;

let woo: FakeWooCommerce;
let bc: FakeBigCommerce;
let stack: Awaited<ReturnType<typeof startTestStack>>;
let nc: NatsConnection;
/** Days each shop's reconciliation found different and fixed, for the dashboard test at the end. */
const fixedDays: { platform: string; shop: string; days: number; revenueApart: number }[] = [];

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
const localDate = (timeZone: string, instant: string) =>
  new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(
    new Date(instant),
  );

/** Per local day: how many sales and their gross. */
function byDay<T>(
  orders: T[],
  timeZone: string,
  createdAt: (o: T) => string,
  isSale: (o: T) => boolean,
  total: (o: T) => number,
) {
  const days = new Map<string, { orders: number; gross: number }>();
  for (const order of orders.filter(isSale)) {
    const day = localDate(timeZone, createdAt(order));
    const sum = days.get(day) ?? { orders: 0, gross: 0 };
    days.set(day, { orders: sum.orders + 1, gross: sum.gross + total(order) });
  }
  return days;
}

// ── BigCommerce: orders placed 26 h to 6 days ago with no hook yet, past the catch-up's 24 h lookback ──
const random = seededRandom(1301);
const bcSpecs: BcOrderSpec[] = Array.from({ length: 14 }, (_, i) => ({
  id: 9100 + i,
  createdAt: iso(Date.now() - 26 * HOUR - Math.floor(random() * 118 * HOUR)),
  // One cancelled and one pending: neither side may count them.
  statusId: i === 4 ? 5 : i === 9 ? 1 : 11,
  lines: [{ id: 91000 + i, productId: 77, sku: "TOTE", quantity: 1 + (i % 3), unitMinor: 1500 + 25 * i }],
  shippingMinor: 500,
  taxMinor: 100 + i,
}));
const bcTotal = (o: BcOrderSpec) =>
  o.lines.reduce((sum, l) => sum + l.unitMinor * l.quantity, 0) + (o.shippingMinor ?? 0) + (o.taxMinor ?? 0);
const BC_ZONE = "America/Chicago"; // the fake's GET /v2/store timezone

beforeAll(async () => {
  woo = await FakeWooCommerce.start();
  bc = await FakeBigCommerce.start("rec0ncile");
  for (const spec of bcSpecs) await bc.createOrder(spec);
  stack = await startTestStack({
    WOOCOMMERCE_WEBHOOK_SECRET: WOO_SECRET,
    WOOCOMMERCE_STORE_URL: woo.siteUrl,
    BIGCOMMERCE_STORE_HASH: bc.storeHash,
    BIGCOMMERCE_WEBHOOK_SECRET: BC_SECRET,
    BIGCOMMERCE_ACCESS_TOKEN: bc.accessToken,
    BIGCOMMERCE_API_URL: bc.apiUrl,
    RECONCILE_INTERVAL_MS: "3000",
    RECONCILE_SETTLE_MS: "30000",
  });
  nc = await connect({ servers: stack.natsUrl });
}, 300_000);
afterAll(async () => {
  await nc?.close();
  await stack?.stop();
  await bc?.stop();
  await woo?.stop();
});

async function ourSalesByDay(platform: string, shop: string, timeZone: string) {
  const rows = await stack.db.rows<{ created_at: string; total_minor: number }>(
    `SELECT created_at, total_minor FROM orders WHERE platform = ${sqlString(platform)}
     AND shop = ${sqlString(shop)} AND status = 'sale' AND test = false`,
  );
  return byDay(
    rows,
    timeZone,
    (r) => r.created_at,
    () => true,
    (r) => r.total_minor,
  );
}

describe("WooCommerce orders whose webhooks were lost", () => {
  const WOO_ZONE = "Europe/London"; // the fake's WordPress timezone_string
  const shop = () => new URL(woo.siteUrl).host;
  const delivered: WooOrderSpec[] = [
    { id: 701, createdAt: iso(Date.now() - 20 * 60_000), lines: [] },
    { id: 702, createdAt: iso(Date.now() - 15 * 60_000), lines: [] },
    { id: 703, createdAt: iso(Date.now() - 50 * HOUR), lines: [] },
  ].map((spec, i) => ({
    ...spec,
    lines: [{ id: spec.id * 10, productId: 5, sku: "MUG", quantity: 1 + i, unitMinor: 1200 }],
    shippingMinor: 450,
  }));
  const lost: WooOrderSpec[] = [
    { id: 801, hoursAgo: 30, status: "processing" },
    { id: 802, hoursAgo: 52, status: "completed" },
    { id: 803, hoursAgo: 53, status: "on-hold" },
    { id: 804, hoursAgo: 75, status: "cancelled" },
    { id: 805, hoursAgo: 98, status: "pending" },
    { id: 806, hoursAgo: 99, status: "processing" },
  ].map(({ id, hoursAgo, status }) => ({
    id,
    status,
    createdAt: iso(Date.now() - hoursAgo * HOUR),
    lines: [{ id: id * 10, productId: 6, sku: "CUP", quantity: 2, unitMinor: 800 + id }],
    taxMinor: 90,
  }));
  const sale = (o: WooOrderSpec) =>
    ["processing", "completed", "on-hold", "refunded"].includes(o.status ?? "processing");

  it("are found, re-read and recorded per day, then the days match", async () => {
    expect(
      await woo.addWebhook("order.created", `${stack.ingestUrl}/webhooks/woocommerce`, WOO_SECRET),
    ).toEqual({
      saved: true,
      pingStatus: 200,
    });
    for (const spec of delivered) await woo.createOrder(spec);
    woo.addHistory(lost); // in the store, but no webhook ever reached us
    const all = [...delivered, ...lost];
    const expected = byDay(
      all,
      WOO_ZONE,
      (o) => o.createdAt,
      sale,
      (o) => wooOrderTotals(o).total,
    );
    const before = byDay(
      delivered,
      WOO_ZONE,
      (o) => o.createdAt,
      sale,
      (o) => wooOrderTotals(o).total,
    );
    await eventually(async () =>
      expect(await ourSalesByDay("woocommerce", shop(), WOO_ZONE)).toEqual(before),
    );

    const api = woocommerce.api!.create(
      {
        WOOCOMMERCE_STORE_URL: woo.siteUrl,
        WOOCOMMERCE_CONSUMER_KEY: woo.consumerKey,
        WOOCOMMERCE_CONSUMER_SECRET: woo.consumerSecret,
      },
      { customerHashKey: "k".repeat(32), log },
    );
    const deps = {
      db: stack.db,
      publish: jetStreamPublisher(jetstream(nc), 10_000),
      log,
      days: 7,
      settleMs: 30_000,
      pollMs: 200,
    };
    const checks = await reconcileShop(api, deps);
    expect(checks).toHaveLength(8);
    for (const check of checks) {
      const theirs = expected.get(check.day.day) ?? { orders: 0, gross: 0 };
      const ours = before.get(check.day.day) ?? { orders: 0, gross: 0 };
      // WooCommerce's own count and gross (its orders paged), against the specs' totals.
      expect(check.theirs, check.day.day).toEqual({ orders: theirs.orders, grossMinor: theirs.gross });
      expect(check.ours, check.day.day).toEqual({ orders: ours.orders, grossMinor: ours.gross });
      expect(check.after, check.day.day).toEqual({ orders: theirs.orders, grossMinor: theirs.gross });
      expect(check.outcome, check.day.day).toBe(ours.orders === theirs.orders ? "match" : "fixed");
    }
    // The lost sales fall on three different days, each found and fixed.
    expect(checks.filter((c) => c.outcome === "fixed")).toHaveLength(
      new Set(lost.filter(sale).map((o) => localDate(WOO_ZONE, o.createdAt))).size,
    );
    expect(await ourSalesByDay("woocommerce", shop(), WOO_ZONE)).toEqual(expected);

    const recorded = await eventually(async () => {
      const rows = await stack.db.rows<{
        day: string;
        outcome: string;
        ours_count: number;
        theirs_count: number;
      }>(
        `SELECT day, outcome, ours_count, theirs_count FROM reconciliation
         WHERE platform = 'woocommerce' AND shop = ${sqlString(shop())} ORDER BY day`,
      );
      expect(rows).toHaveLength(8);
      return rows;
    });
    expect(recorded).toEqual(
      checks
        .map((c) => ({
          day: c.day.day,
          outcome: c.outcome,
          ours_count: c.ours.orders,
          theirs_count: c.theirs.orders,
        }))
        .sort((a, b) => a.day.localeCompare(b.day)),
    );

    fixedDays.push({
      platform: "woocommerce",
      shop: shop(),
      days: checks.filter((c) => c.outcome === "fixed").length,
      // The lost sales' totals, from the generated specs.
      revenueApart: [...expected].reduce((sum, [day, t]) => sum + t.gross - (before.get(day)?.gross ?? 0), 0),
    });

    // Checked again, nothing differs and nothing is re-read.
    const again = await reconcileShop(api, deps);
    expect(again.map((c) => c.outcome)).toEqual(Array(8).fill("match"));
    expect(again.every((c) => c.refetched === 0)).toBe(true);
  });
});

describe("BigCommerce orders whose webhooks were lost", () => {
  it("are reconciled by the processors on their own schedule: found, re-read, recorded as fixed", async () => {
    const sale = (o: BcOrderSpec) => o.statusId === 11;
    const expected = byDay(bcSpecs, BC_ZONE, (o) => o.createdAt, sale, bcTotal);
    const shop = bigcommerce.api!.create(
      {
        BIGCOMMERCE_STORE_HASH: bc.storeHash,
        BIGCOMMERCE_ACCESS_TOKEN: bc.accessToken,
        BIGCOMMERCE_API_URL: bc.apiUrl,
        BIGCOMMERCE_WEBHOOK_SECRET: BC_SECRET,
      },
      { customerHashKey: "k".repeat(32), log },
    ).shop;

    await eventually(
      async () => expect(await ourSalesByDay("bigcommerce", shop, BC_ZONE)).toEqual(expected),
      {
        timeoutMs: 90_000,
        intervalMs: 500,
      },
    );
    const fixed = await eventually(
      async () => {
        const rows = await stack.db.rows<{
          day: string;
          ours_count: number;
          theirs_count: number;
          ours_after_count: number;
          ours_after_minor: number;
          theirs_minor: number;
        }>(
          `SELECT day, ours_count, theirs_count, ours_after_count, ours_after_minor, theirs_minor FROM reconciliation
           WHERE platform = 'bigcommerce' AND shop = ${sqlString(shop)} AND outcome = 'fixed' ORDER BY day`,
        );
        expect(rows.map((r) => r.day)).toEqual([...expected.keys()].sort());
        return rows;
      },
      { timeoutMs: 30_000 },
    );
    fixedDays.push({
      platform: "bigcommerce",
      shop,
      days: fixed.length,
      revenueApart: [...expected.values()].reduce((sum, day) => sum + day.gross, 0),
    });
    for (const row of fixed) {
      const day = expected.get(row.day)!;
      expect(row).toMatchObject({
        ours_count: 0,
        theirs_count: day.orders,
        ours_after_count: day.orders,
        ours_after_minor: day.gross,
        // BigCommerce's own gross (its orders paged by creation date), against the specs' totals.
        theirs_minor: day.gross,
      });
    }
    // Later rounds find every day matching.
    await eventually(
      async () => {
        const rows = await stack.db.rows<{ day: string; outcome: string }>(
          `SELECT day, last(outcome) outcome FROM reconciliation
           WHERE platform = 'bigcommerce' AND shop = ${sqlString(shop)} ORDER BY day`,
        );
        expect(rows.length).toBeGreaterThanOrEqual(expected.size);
        expect(rows.filter((r) => r.outcome !== "match")).toEqual([]);
      },
      { timeoutMs: 30_000 },
    );
  });
});

describe("the Data health dashboard", () => {
  it("runs every panel's SQL on QuestDB and shows each shop's differences found and fixed", async () => {
    expect(fixedDays).toHaveLength(2);
    const range = { from: new Date(Date.now() - 7 * 24 * HOUR), to: new Date(), maxDataPoints: 1000 };
    const chosen = {
      variables: { platform: ["bigcommerce", "woocommerce"], shop: fixedDays.map((f) => f.shop) },
      allSelected: [],
    };
    const dashboard = DASHBOARDS.find((d) => d.file === "data-health.json")!.build();
    for (const panel of dashboard.panels ?? []) {
      for (const target of (panel as { targets?: { rawSql: string }[] }).targets ?? []) {
        const rows = await stack.db.rows(renderQuery(target.rawSql, { ...range, ...chosen }));
        expect(rows.length, (panel as { title?: string }).title).toBeGreaterThan(0);
      }
    }
    const byShop = await stack.db.rows<{
      platform: string;
      shop: string;
      differences_found: number;
      fixed: number;
      persisting: number;
      revenue_apart_minor: number;
    }>(renderQuery(RECONCILIATION_BY_SHOP, { ...range, ...chosen }));
    for (const { platform, shop, days, revenueApart } of fixedDays) {
      expect(days, platform).toBeGreaterThan(0);
      expect(revenueApart, platform).toBeGreaterThan(0);
      expect(byShop.find((r) => r.platform === platform && r.shop === shop)).toMatchObject({
        differences_found: days,
        fixed: days,
        persisting: 0,
        revenue_apart_minor: revenueApart,
      });
      // Live sales' data-health row, for that one shop.
      const [one] = await stack.db.rows(
        renderQuery(ONE_SHOP_HEALTH, { ...range, variables: { shop_platform: platform, shop } }),
      );
      expect(one).toMatchObject({ differences_found: days, fixed: days, persisting: 0 });
    }
  });
});

describe("a difference that persists after a re-fetch", () => {
  it("is the alert kind numbers_mismatch, which resolves once a later check agrees", async () => {
    const parsed = parseRule({
      id: "numbers",
      name: "Numbers don't match",
      kind: "numbers_mismatch",
      scope: { platform: "woocommerce", shops: ["stuck.example"] },
      channels: [{ type: "email", to: ["ops@example.com"] }],
    });
    if (!parsed.ok) throw new Error(parsed.text);
    const day = {
      day: "2026-11-30",
      from: new Date(Date.now() - 30 * HOUR),
      to: new Date(Date.now() - 6 * HOUR),
    };
    const check = {
      platform: "woocommerce",
      shop: "stuck.example",
      day,
      currency: "USD",
      ours: { orders: 3, grossMinor: 3000 },
      theirs: { orders: 4, grossMinor: null },
      refetched: 4,
      after: { orders: 3, grossMinor: 3000 },
      outcome: "persists" as const,
      checkedAt: new Date(Date.now() - 60_000),
    };
    await recordCheck(stack.db, check);
    const [firing] = await eventually(async () => {
      const observed = await measure(stack.db, parsed.rule, Date.now());
      expect(observed).toHaveLength(1);
      return observed;
    });
    expect(firing).toMatchObject({ shop: "stuck.example", value: 1, breached: true, cleared: false });
    expect(firing!.summary).toContain("2026-11-30 ours 3 vs 4");

    await recordCheck(stack.db, {
      ...check,
      outcome: "fixed",
      after: { orders: 4, grossMinor: 4000 },
      checkedAt: new Date(),
    });
    await eventually(async () =>
      expect(await measure(stack.db, parsed.rule, Date.now())).toMatchObject([
        { value: 0, breached: false, cleared: true },
      ]),
    );
  });
});
