import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, storeShops } from "../../bench/big-store.ts";
import { QuestDb, walApplied } from "../../core/questdb.ts";
import { ensureTables, ORDER_TABLES } from "../../processors/orders/schema.ts";
import { SHIPMENT_TABLES } from "../../processors/shipments/schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import * as before from "../../test/panel-sql-before/fulfilment.ts";
import { renderQuery, type QueryContext } from "../interpolate.ts";
import * as after from "./fulfilment.ts";
import { SHIPPING_MATCH_DAYS } from "./order-match.ts";

/**
 * "Time to ship" and "Shipping cost vs charged" now read `orders` first in their join (QuestDB
 * hashes the right-hand side: the range's shipments instead of every order), and only the orders and
 * labels within `SHIPPING_MATCH_DAYS` of the range. This holds them to the
 * previous SQL (test/panel-sql-before/fulfilment.ts): a generated store (bench/big-store.ts) and
 * labels for a third of its orders, written as the shipment processor writes them, with references
 * as the shipper sources store their references (normalised), returns, voids, labels in another currency
 * than the order, labels dated before their order, and labels naming no order; then shows the one
 * stated difference with an order placed longer than the window before its label.
 */
let server: QuestDbServer;
let db: QuestDb;
const UNTIL = Date.parse("2026-03-20T12:00:00Z");
const HOUR = 3_600_000;
const CARRIERS = ["ups", "fedex", "usps"];

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-fulfilment-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, [...ORDER_TABLES, ...SHIPMENT_TABLES]);
  await generateStore(db, { shops: 6, skus: 50, ordersPerDay: 900, days: 6, budgetMs: 120_000 }, UNTIL);
  expect(await walApplied(db, ["orders"], 120_000)).toBe(true);
  const orders = await db.exec<[string, string, string]>(
    "SELECT order_number, created_at, currency FROM orders ORDER BY created_at, order_number",
  );
  // Orders #1 to #9 are left out here: the SQL before matched every one-character reference with
  // every other (a QuestDB trim bug, core/order-ref.ts); the test below shows the difference.
  const lines = orders.dataset
    .filter(([number]) => number.replace("#", "").length > 1)
    .filter((_, i) => i % 3 === 0)
    .map(([number, createdAt, currency], i) => {
      const created = Date.parse(createdAt);
      const shipped = created + (i % 17 === 0 ? -HOUR : (i % 50) * HOUR);
      const digits = number.replace("#", "");
      // Stored as the shipper sources store it (core/order-ref.ts): `#1001` and ` 1001 ` arrive as `1001`.
      const ref = i % 19 === 0 && i % 4 === 3 ? "no-such-order" : digits;
      const labelAt = Math.min(created + HOUR, UNTIL) * 1000;
      const voided = i % 13 === 0 ? `voided_at=${(labelAt / 1000 + HOUR) * 1000}t,` : "";
      return `shipments,shipper=shipstation,account=a${i % 2},carrier=${CARRIERS[i % 3]},service=ground,currency=${i % 7 === 0 ? "CAD" : currency} shipment_id="s${i}",order_ref="${ref}",tracking_number="t${i}",label_cost_minor=${300 + (i % 900)}i,shipped_at=${shipped * 1000}t,${voided}is_return=${i % 11 === 0 ? "t" : "f"},updated_at=${labelAt}t,received_at=${labelAt}t ${labelAt}\n`;
    });
  const response = await fetch(new URL("/write?precision=u", server.httpUrl), {
    method: "POST",
    body: lines.join(""),
  });
  expect(response.status).toBe(204);
  expect(await walApplied(db, ["shipments"], 120_000)).toBe(true);
}, 240_000);
afterAll(async () => server?.stop());

const RANGES: [string, number, number][] = [
  ["the last 7 days", UNTIL - 7 * 24 * HOUR, UNTIL + 3 * 24 * HOUR],
  ["one day", UNTIL - 48 * HOUR, UNTIL - 24 * HOUR],
];

function context(from: number, to: number): QueryContext {
  return {
    from: new Date(from),
    to: new Date(to),
    maxDataPoints: 1000,
    variables: { platform: ["shopify", "woocommerce"], shop: storeShops(6).map((s) => s.shop) },
    allSelected: ["platform", "shop"],
  };
}

describe("the Fulfilment joins, orders first, return what they returned", () => {
  for (const panel of ["TIME_TO_SHIP", "COST_VS_CHARGED"] as const) {
    it.each(RANGES)(`${panel} over %s`, async (_label, from, to) => {
      const ctx = context(from, to);
      const expected = await db.exec(renderQuery(before[panel], ctx));
      const actual = await db.exec(renderQuery(after[panel], ctx));
      expect(expected.count).toBeGreaterThan(0);
      expect(actual.columns).toEqual(expected.columns);
      expect(actual.dataset).toEqual(expected.dataset);
    });
  }
});

describe(`an order placed more than ${SHIPPING_MATCH_DAYS} days before its label is not matched to it`, () => {
  const placed = UNTIL - (SHIPPING_MATCH_DAYS + 10) * 24 * HOUR;
  const labelAt = UNTIL - 2 * HOUR;
  const shop = storeShops(6)[0]!;
  beforeAll(async () => {
    const body = [
      `orders,platform=${shop.platform},shop=${shop.shop},status=open,financial_status=paid,currency=USD order_id="late-1",order_number="#late-1",updated_at=${placed * 1000}t,total_minor=9000i,shipping_minor=700i,test=f,received_at=${placed * 1000}t ${placed * 1000}\n`,
      `shipments,shipper=shipstation,account=a0,carrier=dhl,service=ground,currency=USD shipment_id="s-late-1",order_ref="late-1",tracking_number="t-late-1",label_cost_minor=650i,shipped_at=${labelAt * 1000}t,is_return=f,updated_at=${labelAt * 1000}t,received_at=${labelAt * 1000}t ${labelAt * 1000}\n`,
    ].join("");
    const response = await fetch(new URL("/write?precision=u", server.httpUrl), { method: "POST", body });
    expect(response.status).toBe(204);
    expect(await walApplied(db, ["orders", "shipments"], 120_000)).toBe(true);
  }, 240_000);
  const ctx = context(UNTIL - 7 * 24 * HOUR, UNTIL + 3 * 24 * HOUR);

  it("leaves it out of Time to ship", async () => {
    // The label's carrier (dhl) has no other label: before, a row of one; now none.
    const carriers = async (sql: string) => (await db.exec(renderQuery(sql, ctx))).dataset.map((r) => r[0]);
    expect(await carriers(before.TIME_TO_SHIP)).toContain("dhl");
    const now = await carriers(after.TIME_TO_SHIP);
    expect(now).not.toContain("dhl");
    expect(now).toEqual((await carriers(before.TIME_TO_SHIP)).filter((c) => c !== "dhl"));
  });

  it("leaves it out of Shipping cost vs charged", async () => {
    type Row = [string, string, string, number, number, number, number];
    const usd = async (sql: string) =>
      ((await db.exec(renderQuery(sql, ctx))).dataset as Row[]).find(
        ([, s, c]) => s === shop.shop && c === "USD",
      )!;
    const was = await usd(before.COST_VS_CHARGED);
    const is = await usd(after.COST_VS_CHARGED);
    expect(is[3]).toBe(was[3] - 1);
    expect(is[4]).toBeCloseTo(was[4] - 7, 6);
    expect(is[5]).toBeCloseTo(was[5] - 6.5, 6);
  });
});

describe("one-character order numbers (#3, #7) and the labels naming them", () => {
  const ctx = context(UNTIL - 7 * 24 * HOUR, UNTIL + 3 * 24 * HOUR);
  const SHIP_AFTER_HOURS = 3;
  beforeAll(async () => {
    const { dataset } = await db.exec<[string, string]>(
      "SELECT order_number, created_at FROM orders WHERE order_number IN ('#3', '#7') ORDER BY order_number",
    );
    expect(dataset.map(([number]) => number)).toEqual(["#3", "#7"]);
    const body = dataset
      .map(([number, createdAt]) => {
        const bought = Date.parse(createdAt) + HOUR;
        const shipped = Date.parse(createdAt) + SHIP_AFTER_HOURS * HOUR;
        const ref = number.replace("#", "");
        return `shipments,shipper=shipstation,account=a0,carrier=ontrac,service=ground,currency=USD shipment_id="s-one-${ref}",order_ref="${ref}",tracking_number="t-one-${ref}",label_cost_minor=650i,shipped_at=${shipped * 1000}t,is_return=f,updated_at=${bought * 1000}t,received_at=${bought * 1000}t ${bought * 1000}\n`;
      })
      .join("");
    const response = await fetch(new URL("/write?precision=u", server.httpUrl), { method: "POST", body });
    expect(response.status).toBe(204);
    expect(await walApplied(db, ["shipments"], 120_000)).toBe(true);
  }, 240_000);

  it("match their own orders only: two shipped, each 3 hours after its order", async () => {
    const ontrac = async (sql: string) =>
      (await db.exec<[string, number, number, number]>(renderQuery(sql, ctx))).dataset.find(
        ([c]) => c === "ontrac",
      );
    expect(await ontrac(after.TIME_TO_SHIP)).toEqual(["ontrac", 2, SHIP_AFTER_HOURS, SHIP_AFTER_HOURS]);
    // With STRING's trim, as before, '#3' and '3' both became '' and each label matched every
    // one-digit order placed before it.
    const stringTrim = before.TIME_TO_SHIP.replaceAll(
      /trim\(cast\((replace\([^)]*\)) AS varchar\)\)/g,
      "trim($1)",
    );
    expect(stringTrim).not.toEqual(before.TIME_TO_SHIP);
    expect((await ontrac(stringTrim))![1]).toBeGreaterThan(2);
  });
});
