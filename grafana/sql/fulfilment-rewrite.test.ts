import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateStore, storeShops, writeShops } from "../../bench/big-store.ts";
import { CanonicalEvent, EVENT_VERSION, type Shipment } from "../../core/events.ts";
import { createLogger } from "../../core/log.ts";
import { QuestDb, walApplied } from "../../core/questdb.ts";
import { ensureTables, ORDER_TABLES } from "../../processors/orders/schema.ts";
import { shipmentsHandler } from "../../processors/shipments/handler.ts";
import { PAYMENT_TABLES } from "../../processors/payments/schema.ts";
import { SALES_TABLES } from "../../processors/sales/schema.ts";
import { SHIPMENT_TABLES } from "../../processors/shipments/schema.ts";
import { TRACKING_TABLES } from "../../processors/shipments/tracking-schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import * as before from "../../test/panel-sql-before/fulfilment.ts";
import * as journeyBefore from "../../test/panel-sql-before/journey.ts";
import { renderQuery, type QueryContext } from "../interpolate.ts";
import * as after from "./fulfilment.ts";
import { ORDER_JOURNEY } from "./journey.ts";
import { SHIPPING_MATCH_DAYS } from "./order-match.ts";

/**
 * "Time to ship", "Shipping cost vs charged" and "Awaiting shipment" now read `label_orders`, where
 * the shipment processor keeps each label beside its order, instead of joining weeks of `orders`
 * with the range's labels by reference on every refresh. This holds them to the joins they replace
 * (test/panel-sql-before/fulfilment.ts): a generated store (bench/big-store.ts), orders that count
 * as sales, and labels for a third of its orders written through the shipment handler as the
 * processors write them, with returns, voids, labels in another currency than the order, labels
 * dated before their order, and labels naming no order; then shows the stated difference with an
 * order placed longer than the window before its label.
 */
let server: QuestDbServer;
let db: QuestDb;
const UNTIL = Date.parse("2026-03-20T12:00:00Z");
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const CARRIERS = ["ups", "fedex", "usps"];
/** Every generated label's parcel, for its tracking steps. */
const parcels: { trackingNumber: string; carrier: string; bought: number; shipped: number; n: number }[] = [];
/** The live outbound labels generated below that name an order, with their order's time: Time to ship's input. */
const outbound: { carrier: string; placed: number; bought: number; shipped: number }[] = [];
const iso = (ms: number) => new Date(ms).toISOString();
const log = createLogger("fulfilment-rewrite-test", "silent");

/** Labels (shipper account, newest state) through the shipment handler, as the processors write them. */
async function writeLabels(labels: [account: string, shipment: Shipment][]) {
  const handle = shipmentsHandler(db, log);
  const events = labels.map(([account, shipment], i) =>
    CanonicalEvent.parse({
      v: EVENT_VERSION,
      type: "shipment",
      platform: "shipstation",
      shop: account,
      eventId: `label-${shipment.shipmentId}-${i}`,
      receivedAt: shipment.updatedAt,
      shipment,
    }),
  );
  const sender = await db.sender();
  try {
    for (let i = 0; i < events.length; i += 200) await handle(events.slice(i, i + 200), sender);
  } finally {
    await sender.close();
  }
  expect(await walApplied(db, ["shipments", "label_orders"], 120_000)).toBe(true);
}

async function writeLines(lines: string[], tables: string[]) {
  const response = await fetch(new URL("/write?precision=u", server.httpUrl), {
    method: "POST",
    body: lines.join(""),
  });
  expect(response.status).toBe(204);
  expect(await walApplied(db, tables, 120_000)).toBe(true);
}
const writeOrders = (lines: string[]) => writeLines(lines, ["orders"]);

const US = 1000;
/**
 * Tracking steps for two parcels in three: in transit an hour after shipping with an ETA two days
 * on, then, by turns, delivered (before or after the ETA), a delivery exception, a return, or
 * nothing more (still on its way).
 */
function trackingSteps(): string[] {
  const step = (p: (typeof parcels)[number], at: number, status: string, extra = "") =>
    `tracking_events,shipper=shipstation,account=a0,status=${status},carrier=${p.carrier} tracking_number="${p.trackingNumber}",eta=${(p.shipped + 48 * HOUR) * US}t${extra},updated_at=${at * US}t ${at * US}\n`;
  return parcels
    .filter((p) => p.n % 3 !== 2)
    .flatMap((p) => {
      const transit = step(p, p.shipped + HOUR, "TRANSIT");
      const last = p.shipped + (24 + (p.n % 5) * 12) * HOUR;
      const end = [
        step(p, last, "DELIVERED", `,delivered_at=${last * US}t`),
        step(p, last, "FAILURE"),
        step(p, last, "RETURNED"),
        "",
      ][p.n % 4]!;
      return [transit, end].filter(Boolean);
    });
}

/**
 * A capture for every fourth order, within hours of it: by turns naming the order's id (as Stripe's
 * `metadata.order_id` does) or its number (as a PayPal `custom_id` may), by Stripe or PayPal.
 */
function captures(orders: [number: string, createdAt: string, currency: string][]): string[] {
  return orders
    .filter((_, i) => i % 4 === 0)
    .map(([number, createdAt, currency], i) => {
      const at = Date.parse(createdAt) + (i % 6) * HOUR;
      const processor = i % 2 ? "paypal" : "stripe";
      const ref = number.replace("#", "");
      return `payments,processor=${processor},shop=acct,kind=captured,currency=${currency},status=succeeded object_id="ch_${i}",entry="",payment_id="pi_${i}",amount_minor=4000i,order_ref="${ref}",updated_at=${at * US}t ${at * US}\n`;
    });
}

/**
 * Awaiting shipment lists sales (the generated orders are `pending`): 30 of them a day and a half
 * before UNTIL, of which 10 get a live label, 5 a label later voided, and 15 none.
 */
const SALES = Array.from({ length: 30 }, (_, i) => ({ id: `sale-${i}`, at: UNTIL - 40 * HOUR + i * 60_000 }));
const awaitingOrders = () =>
  SALES.map(
    (o) =>
      `orders,platform=shopify,shop=sales.myshopify.com,status=sale,financial_status=paid,currency=USD order_id="${o.id}",order_number="#${o.id}",order_ref="${o.id}",updated_at=${o.at * 1000}t,total_minor=4000i,shipping_minor=500i,test=f,received_at=${o.at * 1000}t ${o.at * 1000}\n`,
  );
const awaitingLabels = (): [string, Shipment][] =>
  SALES.slice(0, 15).map((o, i) => [
    "a0",
    {
      shipmentId: `sale-label-${i}`,
      orderRef: o.id,
      carrier: "ups",
      service: "ground",
      trackingNumber: `sale-t${i}`,
      currency: "USD",
      labelCostMinor: 610,
      createdAt: iso(o.at + 2 * HOUR),
      shippedAt: null,
      voidedAt: i >= 10 ? iso(o.at + 3 * HOUR) : null,
      isReturn: false,
      updatedAt: iso(o.at + (i >= 10 ? 3 : 2) * HOUR),
    },
  ]);

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-fulfilment-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, [...ORDER_TABLES, ...SHIPMENT_TABLES, ...TRACKING_TABLES, ...PAYMENT_TABLES]);
  await ensureTables(db, SALES_TABLES);
  await writeShops(db, storeShops(6));
  // Pending: Awaiting shipment lists only the sales written below.
  await generateStore(
    db,
    { shops: 6, skus: 50, ordersPerDay: 900, days: 6, budgetMs: 120_000, status: "pending" },
    UNTIL,
  );
  expect(await walApplied(db, ["orders"], 120_000)).toBe(true);
  const orders = await db.exec<[string, string, string]>(
    "SELECT order_number, created_at, currency FROM orders ORDER BY created_at, order_number",
  );
  // Orders #1 to #9 are left out here (they get labels of their own below).
  const labels = orders.dataset
    .filter(([number]) => number.replace("#", "").length > 1)
    .filter((_, i) => i % 3 === 0)
    .map(([number, createdAt, currency], i): [string, Shipment] => {
      const created = Date.parse(createdAt);
      const shipped = created + (i % 17 === 0 ? -HOUR : (i % 50) * HOUR);
      // Stored as the shipper sources store it (core/order-ref.ts): `#1001` and ` 1001 ` arrive as `1001`.
      const ref = i % 19 === 0 && i % 4 === 3 ? "no-such-order" : number.replace("#", "");
      const labelAt = Math.min(created + HOUR, UNTIL);
      if (ref !== "no-such-order" && i % 13 !== 0 && i % 11 !== 0)
        outbound.push({ carrier: CARRIERS[i % 3]!, placed: created, bought: labelAt, shipped });
      parcels.push({ trackingNumber: `t${i}`, carrier: CARRIERS[i % 3]!, bought: labelAt, shipped, n: i });
      return [
        `a${i % 2}`,
        {
          shipmentId: `s${i}`,
          orderRef: ref,
          carrier: CARRIERS[i % 3]!,
          service: "ground",
          trackingNumber: `t${i}`,
          currency: i % 7 === 0 ? "CAD" : currency,
          labelCostMinor: 300 + (i % 900),
          createdAt: iso(labelAt),
          shippedAt: iso(shipped),
          voidedAt: i % 13 === 0 ? iso(labelAt + HOUR) : null,
          isReturn: i % 11 === 0,
          updatedAt: iso(labelAt),
        },
      ];
    });
  await writeOrders(awaitingOrders());
  await writeLabels([...labels, ...awaitingLabels()]);
  await writeLines([...trackingSteps(), ...captures(orders.dataset)], ["tracking_events", "payments"]);
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

describe("Time to ship and Shipping cost vs charged, from label_orders, return what the joins returned", () => {
  it.each(RANGES)("COST_VS_CHARGED over %s", async (_label, from, to) => {
    const ctx = context(from, to);
    const expected = await db.exec(renderQuery(before.COST_VS_CHARGED, ctx));
    const actual = await db.exec(renderQuery(after.COST_VS_CHARGED, ctx));
    expect(expected.count).toBeGreaterThan(0);
    expect(actual.columns).toEqual(expected.columns);
    expect(actual.dataset).toEqual(expected.dataset);
  });

  it.each(RANGES)(
    "TIME_TO_SHIP over %s: the same parcels, percentiles exact at a tenth of an hour",
    async (_label, from, to) => {
      const ctx = context(from, to);
      const carriers = (await db.exec<[string, number]>(renderQuery(before.TIME_TO_SHIP, ctx))).dataset;
      expect(carriers.length).toBeGreaterThan(0);
      const actual = (await db.exec<[string, number, number, number]>(renderQuery(after.TIME_TO_SHIP, ctx)))
        .dataset;
      expect(actual.map((r) => r.slice(0, 2))).toEqual(carriers.map((r) => r.slice(0, 2)));
      expect(actual).toEqual(carriers.map(([carrier]) => [carrier, ...shipTimes(carrier, from, to)]));
    },
  );
});

/**
 * Time to ship worked out from the generated labels: shipped in the range, bought within the match
 * window of it and of being shipped, shipped after the order and within the window of it; each
 * parcel's hours to a tenth, then the nearest rank (the smallest time at least that share reached).
 */
function shipTimes(carrier: string, from: number, to: number): [number, number, number] {
  const window = SHIPPING_MATCH_DAYS * DAY;
  const tenths = outbound
    .filter((l) => l.carrier === carrier && l.shipped >= from && l.shipped <= to)
    .filter(
      (l) => l.bought >= from - window && l.bought <= to + window && Math.abs(l.bought - l.shipped) <= window,
    )
    .filter((l) => l.shipped >= l.placed && l.placed >= l.shipped - window)
    .map((l) => Math.round(Math.trunc((l.shipped - l.placed) / 1000) / 360))
    .sort((a, b) => a - b);
  const rank = (share: number) => tenths[Math.ceil(share * tenths.length) - 1]! / 10;
  return [tenths.length, rank(0.5), rank(0.9)];
}

describe("Awaiting shipment, from the labels matched with orders, lists what it listed", () => {
  it.each(RANGES)("over %s", async (_label, from, to) => {
    const ctx = context(from, to);
    // waiting_hours is measured against now(): the two queries run a moment apart.
    const rows = async (sql: string) =>
      (await db.exec(renderQuery(sql, ctx))).dataset.map((r) => r.slice(0, 5));
    const expected = await rows(before.AWAITING_SHIPMENT);
    expect(await rows(after.AWAITING_SHIPMENT)).toEqual(expected);
  });

  it("the day of the 30 sales: the 15 with no label and the 5 whose label was voided", async () => {
    const ctx = context(UNTIL - 48 * HOUR, UNTIL - 24 * HOUR);
    const ids = (await db.exec<string[]>(renderQuery(after.AWAITING_SHIPMENT, ctx))).dataset.map((r) => r[2]);
    expect(ids).toEqual([...SALES.slice(10, 15), ...SALES.slice(15)].map((o) => o.id));
  });
});

describe("a number two shops both use: the label belongs to the order nearest to it", () => {
  const shops = storeShops(6);
  const [far, near] = [shops[0]!, shops[1]!];
  const label = UNTIL - 25 * HOUR;
  beforeAll(async () => {
    const order = (shop: (typeof shops)[number], at: number) =>
      `orders,platform=${shop.platform},shop=${shop.shop},status=open,financial_status=paid,currency=USD order_id="dup-${shop.shop}",order_number="#dup-1",order_ref="dup-1",updated_at=${at * 1000}t,total_minor=9000i,shipping_minor=700i,test=f,received_at=${at * 1000}t ${at * 1000}\n`;
    await writeOrders([order(far, UNTIL - 5 * 24 * HOUR), order(near, label - HOUR)]);
    await writeLabels([
      [
        "a0",
        {
          shipmentId: "s-dup-1",
          orderRef: "dup-1",
          carrier: "dhl",
          service: "ground",
          trackingNumber: "t-dup-1",
          currency: "USD",
          labelCostMinor: 650,
          createdAt: iso(label),
          shippedAt: iso(label + HOUR),
          voidedAt: null,
          isReturn: false,
          updatedAt: iso(label),
        },
      ],
    ]);
  }, 240_000);
  const ctx = context(UNTIL - 7 * 24 * HOUR, UNTIL + 3 * 24 * HOUR);

  it("is shipped once in Time to ship, two hours after that order (the join counted it per order)", async () => {
    const dhl = async (sql: string) =>
      (await db.exec<[string, number, number, number]>(renderQuery(sql, ctx))).dataset.find(
        ([c]) => c === "dhl",
      );
    expect((await dhl(before.TIME_TO_SHIP))![1]).toBe(2);
    expect(await dhl(after.TIME_TO_SHIP)).toEqual(["dhl", 1, 2, 2]);
  });

  it("counts against that order's shop only in Shipping cost vs charged", async () => {
    type Row = [string, string, string, number, number, number, number];
    const usd = async (sql: string, shop: string) =>
      ((await db.exec(renderQuery(sql, ctx))).dataset as Row[]).find(
        ([, s, c]) => s === shop && c === "USD",
      )!;
    const farBefore = await usd(before.COST_VS_CHARGED, far.shop);
    const farAfter = await usd(after.COST_VS_CHARGED, far.shop);
    expect(farAfter[3]).toBe(farBefore[3] - 1);
    expect(farAfter[4]).toBeCloseTo(farBefore[4] - 7, 6);
    expect(farAfter[5]).toBeCloseTo(farBefore[5] - 6.5, 6);
    expect((await usd(after.COST_VS_CHARGED, near.shop)).slice(3)).toEqual(
      (await usd(before.COST_VS_CHARGED, near.shop)).slice(3),
    );
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
    await writeLabels(
      dataset.map(([number, createdAt]): [string, Shipment] => {
        const bought = Date.parse(createdAt) + HOUR;
        const ref = number.replace("#", "");
        return [
          "a0",
          {
            shipmentId: `s-one-${ref}`,
            orderRef: ref,
            carrier: "ontrac",
            service: "ground",
            trackingNumber: `t-one-${ref}`,
            currency: "USD",
            labelCostMinor: 650,
            createdAt: iso(bought),
            shippedAt: iso(Date.parse(createdAt) + SHIP_AFTER_HOURS * HOUR),
            voidedAt: null,
            isReturn: false,
            updatedAt: iso(bought),
          },
        ];
      }),
    );
  }, 240_000);

  it("match their own orders only: two shipped, each 3 hours after its order", async () => {
    const ontrac = async (sql: string) =>
      (await db.exec<[string, number, number, number]>(renderQuery(sql, ctx))).dataset.find(
        ([c]) => c === "ontrac",
      );
    expect(await ontrac(after.TIME_TO_SHIP)).toEqual(["ontrac", 2, SHIP_AFTER_HOURS, SHIP_AFTER_HOURS]);
  });
});

describe("Order journey and the tracking panels, reading only the range's steps, list what they listed", () => {
  const journeyContext = (from: number, to: number, order = "") => {
    const ctx = context(from, to);
    return { ...ctx, variables: { ...ctx.variables, order } };
  };
  const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

  it.each(RANGES)(
    "ORDER_JOURNEY over %s: the newest 500 orders, each with its steps",
    async (_label, from, to) => {
      const ctx = journeyContext(from, to);
      const expected = await db.exec(renderQuery(journeyBefore.ORDER_JOURNEY, ctx));
      const actual = await db.exec(renderQuery(ORDER_JOURNEY, ctx));
      expect(expected.count).toBe(500);
      // Every kind of step is there to be compared: paid, shipped and delivered orders, and unpaid ones.
      const column = (name: string) => expected.columns.findIndex((c) => c.name === name);
      for (const step of ["paid", "shipped", "delivered"])
        expect(expected.dataset.some((r) => r[column(step)] !== null)).toBe(true);
      expect(expected.dataset.some((r) => r[column("paid")] === null)).toBe(true);
      expect(actual.columns).toEqual(expected.columns);
      // Orders placed in the same millisecond may come in either order: the same rows, newest first.
      expect(sorted(actual.dataset)).toEqual(sorted(expected.dataset));
      const placed = (rows: unknown[][]) => rows.map((r) => r[column("ordered")] as string);
      expect(placed(actual.dataset)).toEqual(placed(expected.dataset));
    },
  );

  it("ORDER_JOURNEY for one typed order number", async () => {
    const [number] = (await db.exec<[string]>("SELECT order_number FROM orders LIMIT 777, 778")).dataset[0]!;
    const ctx = journeyContext(RANGES[0]![1], RANGES[0]![2], number);
    const expected = await db.exec(renderQuery(journeyBefore.ORDER_JOURNEY, ctx));
    expect(expected.count).toBeGreaterThan(0);
    expect((await db.exec(renderQuery(ORDER_JOURNEY, ctx))).dataset).toEqual(expected.dataset);
  });

  const TRACKING: [string, string, string][] = [
    ["TIME_TO_DELIVER", before.TIME_TO_DELIVER, after.TIME_TO_DELIVER],
    ["LATE_PARCELS", before.LATE_PARCELS, after.LATE_PARCELS],
    ["EXCEPTIONS_AND_RETURNS", before.EXCEPTIONS_AND_RETURNS, after.EXCEPTIONS_AND_RETURNS],
  ];
  it.each(
    TRACKING.flatMap(([name, old, now]) =>
      RANGES.map(([range, from, to]) => [name, range, old, now, from, to]),
    ),
  )("%s over %s", async (_name, _range, old, now, from, to) => {
    const ctx = context(from as number, to as number);
    const expected = await db.exec(renderQuery(old as string, ctx));
    expect(expected.count).toBeGreaterThan(0);
    const actual = await db.exec(renderQuery(now as string, ctx));
    expect(actual.columns).toEqual(expected.columns);
    expect(sorted(actual.dataset)).toEqual(sorted(expected.dataset));
  });
});
