import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, storeShops, writeShops } from "../../bench/big-store.ts";
import { QuestDb, viewsRefreshed, walApplied } from "../../core/questdb.ts";
import { ensureTables } from "../../processors/orders/schema.ts";
import { ROLLUP_VIEWS } from "../../processors/retention/schema.ts";
import { SALES_TABLES } from "../../processors/sales/schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import * as before from "../../test/panel-sql-before/all-shops.ts";
import { renderQuery, type QueryContext } from "../interpolate.ts";
import * as after from "./all-shops.ts";

/**
 * The All shops panels were rewritten for speed (per-shop span bounds worked out once, whole hours
 * summed before the join, constant time bounds QuestDB prunes by). This holds the rewrite to the
 * previous SQL (test/panel-sql-before/all-shops.ts, kept verbatim): both run on one generated store
 * (bench/big-store.ts: Zipf shops and a daily curve) in zones on and off the hour, at instants just
 * after DST changes, just after an off-hour zone's midnight and in mid-afternoon, for every shop and
 * for a few, and must return the same rows, value for value.
 */
let server: QuestDbServer;
let db: QuestDb;

// Kolkata (+5:30) and Kathmandu (+5:45) start their days inside UTC hours; New York and London move
// their clocks in March 2026 (8 and 29 March), within a week of the instants below.
const ZONES = ["America/New_York", "Asia/Kolkata", "Europe/London", "Asia/Kathmandu", "UTC", "Europe/Berlin"];
const SHOPS = storeShops(9, ZONES);
const GENERATED_UNTIL = new Date("2026-03-30T23:10:00Z");
const INSTANTS = [
  "2026-03-10T14:37:30Z", // two days after New York's spring change: last week was an hour longer
  "2026-03-20T18:50:00Z", // 00:20 in Kolkata, 00:35 in Kathmandu: today shorter than their first hour
  "2026-03-30T01:20:10Z", // the night after London's change: 02:20 BST, a 23-hour yesterday
  "2026-03-30T22:59:59Z", // late in the evening, most of each local day behind
];
const CHOICES: { label: string; shops: string[] | null }[] = [
  { label: "every shop", shops: null },
  { label: "two shops off the hour and one on it", shops: [SHOPS[1]!.shop, SHOPS[3]!.shop, SHOPS[4]!.shop] },
];

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-all-shops-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, [...SALES_TABLES, ...ROLLUP_VIEWS]);
  await writeShops(db, SHOPS);
  await generateStore(
    db,
    { shops: SHOPS.length, skus: 200, ordersPerDay: 1500, days: 31, budgetMs: 120_000, zones: ZONES },
    GENERATED_UNTIL.getTime(),
  );
  expect(await walApplied(db, ["sales_1m", "shops"], 120_000)).toBe(true);
  // Yesterday's and last week's whole hours are read from the hourly view.
  expect(await viewsRefreshed(db, ["sales_1h"], 120_000)).toBe(true);
}, 240_000);
afterAll(async () => server?.stop());

function context(at: string, shops: string[] | null): QueryContext {
  const to = new Date(at);
  return {
    from: new Date(Math.floor(to.getTime() / 86_400_000) * 86_400_000),
    to,
    maxDataPoints: 1000,
    variables: {
      platform: ["shopify", "woocommerce"],
      shop: shops ?? SHOPS.map((s) => s.shop),
    },
    allSelected: shops ? ["platform"] : ["platform", "shop"],
  };
}

const PANELS: [string, () => string, () => string][] = [
  ["Today by currency", before.currencyTable, after.currencyTable],
  ["Today by shop", before.shopTable, after.shopTable],
  ["Orders today", before.ordersComparison, after.ordersComparison],
  [
    "Revenue curve, today",
    () => before.currencyRevenueCurve(0, "Today"),
    () => after.currencyRevenueCurve(0, "Today"),
  ],
  [
    "Revenue curve, yesterday",
    () => before.currencyRevenueCurve(1, "Yesterday"),
    () => after.currencyRevenueCurve(1, "Yesterday"),
  ],
  [
    "Revenue curve, last week",
    () => before.currencyRevenueCurve(7, "Last week"),
    () => after.currencyRevenueCurve(7, "Last week"),
  ],
];

describe("the All shops panels, rewritten, return what they returned", () => {
  for (const [panel, old, rewritten] of PANELS) {
    for (const choice of CHOICES) {
      it.each(INSTANTS)(`${panel}, ${choice.label}, at %s`, async (at) => {
        const ctx = context(at, choice.shops);
        const expected = await db.exec(renderQuery(old(), ctx));
        const actual = await db.exec(renderQuery(rewritten(), ctx));
        // Not an empty match: the store has sales in every span at every instant.
        expect(expected.count).toBeGreaterThan(0);
        expect(JSON.stringify(expected.dataset)).not.toMatch(/^\[\[(0|null)(,(0|null))*\]\]$/);
        expect(actual.columns.map((c) => c.name)).toEqual(expected.columns.map((c) => c.name));
        expect(actual.dataset).toEqual(expected.dataset);
      });
    }
  }
});
