import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuestDb, walApplied } from "../../core/questdb.ts";
import { ensureTables } from "../../processors/orders/schema.ts";
import { SALES_TABLES } from "../../processors/sales/schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { renderQuery, type QueryContext } from "../interpolate.ts";
import { comparisonTable, metricComparison } from "./one-shop.ts";

/**
 * "Same day last year" on Live sales: the same weekday 52 weeks back, from local midnight to the
 * same wall-clock time, in the store's zone. Minutes are written to sales_1m by hand and the
 * expected figures worked out below; rows just outside the span (after "now" that day, and the
 * calendar date one year back, a weekday off) must not count.
 */
let server: QuestDbServer;
let db: QuestDb;
const SHOP = "last-year.myshopify.com";
// Friday 2026-11-20, 10:30 in New York (EST, UTC−5); 364 days back is Friday 2025-11-21, also EST.
const NOW = new Date("2026-11-20T15:30:00Z");
const MINUTES = [
  { ts: "2026-11-20T06:00:00Z", orders: 2, revenue: 10_000 }, // today, 01:00 local
  { ts: "2026-11-20T15:00:00Z", orders: 1, revenue: 5_000 }, // today, 10:00 local
  { ts: "2026-11-20T16:00:00Z", orders: 9, revenue: 99_999 }, // after now: not yet
  { ts: "2025-11-21T07:00:00Z", orders: 3, revenue: 12_000 }, // last year, 02:00 local
  { ts: "2025-11-21T16:00:00Z", orders: 4, revenue: 50_000 }, // last year, after the same time
  { ts: "2025-11-20T06:00:00Z", orders: 5, revenue: 77_777 }, // the calendar date: a Thursday
  { ts: "2025-11-21T04:59:00Z", orders: 6, revenue: 33_333 }, // last year, before local midnight
];

const ctx: QueryContext = {
  from: new Date("2026-11-20T05:00:00Z"),
  to: NOW,
  maxDataPoints: 1440,
  variables: {
    shop: SHOP,
    shop_platform: "shopify",
    tz: "America/New_York",
    minor: "100",
    currency: "USD",
    platform: "shopify",
  },
};

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-last-year-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, SALES_TABLES);
  for (const m of MINUTES) {
    await db.exec(
      `INSERT INTO sales_1m (ts, platform, shop, currency, orders, orders_created, revenue_minor, net_minor, checkouts)
       VALUES ('${m.ts}', 'shopify', '${SHOP}', 'USD', ${m.orders}, ${m.orders}, ${m.revenue}, ${m.revenue}, ${m.orders * 4})`,
    );
  }
  expect(await walApplied(db, ["sales_1m"])).toBe(true);
}, 300_000);
afterAll(async () => server?.stop());

describe("same day last year", () => {
  it("compares today's revenue, orders and AOV with the same weekday 52 weeks back", async () => {
    // Today: 150.00 in 3 orders (AOV 50.00). Last year: 120.00 in 3 orders (AOV 40.00).
    const [revenue] = await db.rows(renderQuery(metricComparison("revenue"), ctx));
    expect(revenue!.Today).toBe(150);
    expect(revenue!["vs last year"]).toBeCloseTo((150 - 120) / 120, 9);
    const [orders] = await db.rows(renderQuery(metricComparison("orders"), ctx));
    expect(orders!["vs last year"]).toBe(0);
    const [aov] = await db.rows(renderQuery(metricComparison("aov"), ctx));
    expect(aov!["vs last year"]).toBeCloseTo((50 - 40) / 40, 9);
  });

  it("is the fourth row of the comparison table", async () => {
    const rows = await db.rows(renderQuery(comparisonTable(), ctx));
    expect(rows.map((r) => r.Period)).toEqual([
      "Today",
      "Same time yesterday",
      "Same time last week",
      "Same time last year",
    ]);
    expect(rows[3]).toMatchObject({ Revenue: 120, Orders: 3, AOV: 40, Conversion: 3 / 12 });
  });
});
