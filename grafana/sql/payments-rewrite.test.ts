import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuestDb, walApplied } from "../../core/questdb.ts";
import { ensureTables, ORDER_TABLES } from "../../processors/orders/schema.ts";
import { PAYMENT_TABLES } from "../../processors/payments/schema.ts";
import { SALES_TABLES } from "../../processors/sales/schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import * as before from "../../test/panel-sql-before/payments.ts";
import { renderQuery, type QueryContext } from "../interpolate.ts";
import { ORDER_MATCH_DAYS } from "./order-match.ts";
import * as after from "./payments.ts";
import * as shopAfter from "./shop-payments.ts";

/**
 * The panels that join payments with `orders` now read only the partitions of `orders` within
 * `ORDER_MATCH_DAYS` of their range (order-match.ts). This holds them to the previous SQL
 * (test/panel-sql-before/payments.ts, verbatim) on generated orders and captures that all lie within
 * the window of each other — captures minutes to hours after their order, by Stripe and PayPal, some
 * failed, some refunded, some with no reference or one naming no order, a shop never paid through a
 * processor, orders in two currencies, cancelled and test orders — and then shows the one stated
 * difference with rows outside the window: an order placed more than the window before its capture
 * is no longer that capture's order.
 */
let server: QuestDbServer;
let db: QuestDb;
const NOW = Date.now();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const PAID = ["paid-a.example", "paid-b.example"];
const SHOPS = [...PAID, "other.example"];
const PLATFORM = "woocommerce";

/** A zone in which NOW is at least three hours past midnight and an hour before the next, for "Today". */
const TZ = ["UTC", "Asia/Tokyo", "America/New_York"].find((zone) => {
  const hour = Number(new Intl.DateTimeFormat("en-GB", { hour: "numeric", timeZone: zone }).format(NOW));
  return hour >= 3 && hour < 23;
})!;

const us = (ms: number) => ms * 1000;
async function write(lines: string[], tables: string[]) {
  const response = await fetch(new URL("/write?precision=u", server.httpUrl), {
    method: "POST",
    body: lines.join(""),
  });
  expect(response.status).toBe(204);
  expect(await walApplied(db, tables, 120_000)).toBe(true);
}

const orderLine = (
  shop: string,
  id: string,
  at: number,
  status: string,
  currency: string,
  total: number,
  test = false,
) =>
  `orders,platform=${PLATFORM},shop=${shop},status=${status},currency=${currency} order_id="${id}",order_number="${id}",updated_at=${us(at)}t,total_minor=${total}i,test=${test ? "t" : "f"},received_at=${us(at)}t ${us(at)}\n`;

function paymentLine(p: {
  processor: "stripe" | "paypal";
  kind: string;
  status: string;
  id: string;
  at: number;
  currency: string;
  amount: number;
  ref?: string;
}) {
  const ref = p.ref === undefined ? "" : `order_ref="${p.ref}",`;
  return `payments,processor=${p.processor},shop=acct,kind=${p.kind},currency=${p.currency},status=${p.status},order_site=${PLATFORM} object_id="${p.id}",entry="",payment_id="${p.id}",amount_minor=${p.amount}i,${ref}updated_at=${us(p.at)}t,received_at=${us(p.at)}t ${us(p.at)}\n`;
}

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-payments-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, [...ORDER_TABLES, ...PAYMENT_TABLES, ...SALES_TABLES]);
  const orders: string[] = [];
  const payments: string[] = [];
  // 4,000 orders over the last 9.8 days, a few seconds apart (distinct instants: the panels cut at 100 rows).
  for (let i = 0; i < 4000; i++) {
    const at = NOW - 30 * MINUTE - i * 211_000 - (i % 7) * 1000;
    const shop = SHOPS[i % 3]!;
    const id = String(1000 + i);
    const currency = i % 5 === 0 ? "EUR" : "USD";
    const total = 1000 + (i % 900);
    orders.push(orderLine(shop, id, at, i % 29 === 0 ? "cancelled" : "sale", currency, total, i % 31 === 0));
    if (shop === "other.example" || i % 4 === 3) continue; // never paid through a processor / unpaid
    const stripe = i % 2 === 0;
    const capturedAt = at + (i % 13) * 37 * MINUTE;
    const failed = i % 23 === 0;
    payments.push(
      paymentLine({
        processor: stripe ? "stripe" : "paypal",
        kind: "captured",
        status: failed ? (stripe ? "failed" : "DECLINED") : stripe ? "succeeded" : "COMPLETED",
        id: `cap-${i}`,
        at: capturedAt,
        currency: i % 11 === 0 ? "GBP" : currency,
        amount: total,
        ref: id,
      }),
    );
    if (i % 17 === 0)
      payments.push(
        paymentLine({
          processor: stripe ? "stripe" : "paypal",
          kind: "refunded",
          status: stripe ? "succeeded" : "COMPLETED",
          id: `ref-${i}`,
          at: capturedAt + 3 * HOUR,
          currency,
          amount: 500,
          ref: id,
        }),
      );
  }
  // Captures no order explains: no reference, or one naming no order.
  for (let k = 0; k < 40; k++)
    payments.push(
      paymentLine({
        processor: k % 2 ? "paypal" : "stripe",
        kind: "captured",
        status: k % 2 ? "COMPLETED" : "succeeded",
        id: `orphan-${k}`,
        at: NOW - 10 * MINUTE - k * 5 * HOUR,
        currency: "USD",
        amount: 700 + k,
        ...(k % 3 ? { ref: `no-such-order-${k}` } : {}),
      }),
    );
  await write(orders, ["orders"]);
  await write(payments, ["payments"]);
}, 240_000);
afterAll(async () => server?.stop());

function context(from: number, to: number, processors?: string[]): QueryContext {
  return {
    from: new Date(from),
    to: new Date(to),
    maxDataPoints: 1000,
    variables: {
      processor: processors ?? ["stripe", "paypal"],
      shop: PAID[0]!,
      shop_platform: PLATFORM,
      tz: TZ,
    },
    allSelected: processors ? [] : ["processor"],
  };
}

const RANGES: [string, number, number][] = [
  ["the last 24 hours", NOW - DAY, NOW + MINUTE],
  ["one day four days back", NOW - 5 * DAY, NOW - 4 * DAY],
  ["the last 7 days", NOW - 7 * DAY, NOW + MINUTE],
];
const PANELS = ["UNMATCHED_PAYMENTS", "UNPAID_ORDERS"] as const;

const run = async (sql: string, ctx: QueryContext) => db.exec(renderQuery(sql, ctx));

describe("within the matching window the bounded joins return what the unbounded ones did", () => {
  for (const panel of PANELS) {
    it.each(RANGES)(`${panel} over %s`, async (_label, from, to) => {
      const ctx = context(from, to);
      const expected = await run(before[panel], ctx);
      const actual = await run(after[panel], ctx);
      expect(expected.count).toBeGreaterThan(0);
      expect(actual.columns).toEqual(expected.columns);
      expect(actual.dataset).toEqual(expected.dataset);
    });
  }

  it("UNMATCHED_PAYMENTS with one processor chosen", async () => {
    const ctx = context(NOW - 7 * DAY, NOW + MINUTE, ["paypal"]);
    const expected = await run(before.UNMATCHED_PAYMENTS, ctx);
    expect(expected.count).toBeGreaterThan(0);
    expect((await run(after.UNMATCHED_PAYMENTS, ctx)).dataset).toEqual(expected.dataset);
  });

  it.each(PAID)("Live sales' captured vs ordered for %s", async (shop) => {
    const ctx = { ...context(NOW - DAY, NOW + MINUTE), variables: { shop, shop_platform: PLATFORM, tz: TZ } };
    const expected = await run(before.SHOP_CAPTURED_VS_ORDERED, ctx);
    expect(expected.count).toBeGreaterThan(0);
    expect((await run(shopAfter.SHOP_CAPTURED_VS_ORDERED, ctx)).dataset).toEqual(expected.dataset);
  });
});

describe(`an order placed more than ${ORDER_MATCH_DAYS} days before its capture is not its order`, () => {
  const shop = PAID[0]!;
  // Placed 9 days ago, captured 2 hours ago: matched before, unmatched now.
  const oldOrder = { id: "late-1", at: NOW - 9 * DAY, capturedAt: NOW - 2 * HOUR };
  // Placed 9.5 days ago, captured 8 days after it (1.5 days ago): paid before, unpaid now.
  const slowPaid = { id: "late-2", at: NOW - 9.5 * DAY, capturedAt: NOW - 1.5 * DAY };
  // Placed 8 days ago, captured in the last minutes of "today": counted before, not now.
  const today = { id: "late-3", at: NOW - 8 * DAY, capturedAt: NOW - 5000 };
  beforeAll(async () => {
    await write(
      [oldOrder, slowPaid, today].map((o) => orderLine(shop, o.id, o.at, "sale", "USD", 4321)),
      ["orders"],
    );
    await write(
      [oldOrder, slowPaid, today].map((o) =>
        paymentLine({
          processor: "stripe",
          kind: "captured",
          status: "succeeded",
          id: `cap-${o.id}`,
          at: o.capturedAt,
          currency: "USD",
          amount: 4321,
          ref: o.id,
        }),
      ),
      ["payments"],
    );
  }, 240_000);

  it("lists the capture among the payments with no order", async () => {
    const ctx = context(NOW - DAY, NOW + MINUTE);
    const payment = (rows: unknown[][]) => rows.map((r) => r[2]);
    const was = payment((await run(before.UNMATCHED_PAYMENTS, ctx)).dataset);
    const is = payment((await run(after.UNMATCHED_PAYMENTS, ctx)).dataset);
    expect(was).not.toContain("cap-late-1");
    expect(is).toContain("cap-late-1");
    expect(is).toContain("cap-late-3");
    expect(is.filter((p) => p !== "cap-late-1" && p !== "cap-late-3")).toEqual(was);
    // Over 7 days the orders read reach back 14, so late-1's order is read: the pair's own
    // window leaves it out, the same whatever the range.
    const week = context(NOW - 7 * DAY, NOW + MINUTE);
    expect(payment((await run(before.UNMATCHED_PAYMENTS, week)).dataset)).not.toContain("cap-late-1");
    expect(payment((await run(after.UNMATCHED_PAYMENTS, week)).dataset)).toContain("cap-late-1");
  });

  it("lists the order among the unpaid ones", async () => {
    const ctx = context(slowPaid.at - HOUR, slowPaid.at + HOUR);
    const order = (rows: unknown[][]) => rows.map((r) => r[3]);
    const was = order((await run(before.UNPAID_ORDERS, ctx)).dataset);
    const is = order((await run(after.UNPAID_ORDERS, ctx)).dataset);
    expect(was).not.toContain("late-2");
    expect(is.filter((o) => o !== "late-2")).toEqual(was);
    expect(is).toContain("late-2");
  });

  it("leaves the captures out of the shop's captured today", async () => {
    // late-1 (2 hours ago) and late-3 (5 s ago) are both today's in TZ, of 43.21 USD each.
    const ctx = { ...context(NOW - DAY, NOW + MINUTE), variables: { shop, shop_platform: PLATFORM, tz: TZ } };
    type Row = [string, string, number, number, number, number];
    const usdToday = async (sql: string) =>
      ((await run(sql, ctx)).dataset as Row[]).find(
        ([span, currency]) => span === "Today" && currency === "USD",
      )!;
    const was = await usdToday(before.SHOP_CAPTURED_VS_ORDERED);
    const is = await usdToday(shopAfter.SHOP_CAPTURED_VS_ORDERED);
    expect(is[3]).toBeCloseTo(was[3] - 2 * 43.21, 6);
    expect(is[5]).toBe(was[5] - 2);
  });
});
