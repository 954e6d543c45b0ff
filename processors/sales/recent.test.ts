import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../../core/events.ts";
import { createLogger } from "../../core/log.ts";
import { QuestDb, sqlString, walApplied } from "../../core/questdb.ts";
import { seededRandom } from "../../core/seeded-random.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { ensureTables } from "../orders/schema.ts";
import { salesHandler } from "./handler.ts";
import { RecentFacts } from "./recent.ts";
import { SALES_TABLES } from "./schema.ts";
import { ShopDirectory } from "./shops.ts";

/**
 * Windows from the facts held in memory, against what the generated events add up to (computed
 * here from the final state of each order, not from facts), and a replay after a "restart" (a new
 * mirror loaded from QuestDB, different batches) and through the read-back path converging on the
 * same rows. The batches mix new orders, later cancellations, refunds, test orders, checkouts and
 * stale order states delivered after newer ones.
 */
let server: QuestDbServer;
let db: QuestDb;
const log = createLogger("recent-test");
const M = 60_000;
const NOW = Math.floor(Date.now() / M) * M;
const SHOPS = ["memory-a.myshopify.com", "memory-b.myshopify.com"];
const iso = (ms: number) => new Date(ms).toISOString();

interface OrderModel {
  shop: string;
  id: string;
  createdAt: number;
  total: number;
  items: number;
  test: boolean;
  cancelledAt: number | null;
  refunds: { id: string; at: number; amount: number }[];
}

const random = seededRandom(19);
const int = (n: number) => Math.floor(random() * n);
const orders: OrderModel[] = SHOPS.flatMap((shop) =>
  Array.from({ length: 80 }, (_, i) => {
    const createdAt = NOW - (5 + int(180)) * M + int(59_000);
    const cancelledAt = i % 9 === 0 ? createdAt + (1 + int(30)) * M : null;
    return {
      shop,
      id: `${shop}-${i}`,
      createdAt,
      total: 500 + int(20_000),
      items: 1 + int(4),
      test: i % 17 === 0,
      cancelledAt,
      refunds:
        i % 6 === 0
          ? [{ id: `${shop}-${i}-r`, at: createdAt + (2 + int(20)) * M, amount: 100 + int(400) }]
          : [],
    };
  }),
);
const checkouts = SHOPS.flatMap((shop) =>
  Array.from({ length: 50 }, (_, i) => ({ shop, id: `${shop}-c${i}`, at: NOW - (5 + int(180)) * M })),
);

const envelope = (shop: string, eventId: string, at: number) => ({
  v: 1 as const,
  platform: "shopify",
  shop,
  eventId,
  receivedAt: iso(at),
});
function orderEvent(o: OrderModel, version: "created" | "final"): CanonicalEvent {
  const cancelled = version === "final" && o.cancelledAt !== null;
  const updatedAt = version === "final" ? (o.cancelledAt ?? o.createdAt + 1000) : o.createdAt;
  return {
    ...envelope(o.shop, `${o.id}-${version}`, updatedAt),
    type: "order",
    order: {
      orderId: o.id,
      orderNumber: null,
      createdAt: iso(o.createdAt),
      updatedAt: iso(updatedAt),
      cancelledAt: cancelled ? iso(o.cancelledAt!) : null,
      status: cancelled ? "cancelled" : "sale",
      financialStatus: null,
      currency: "USD",
      totalMinor: o.total,
      subtotalMinor: o.total,
      taxMinor: 0,
      discountMinor: 0,
      shippingMinor: 0,
      test: o.test,
      customerKey: null,
      lines: [
        {
          lineId: "1",
          productId: null,
          variantId: null,
          sku: "A",
          quantity: o.items,
          unitPriceMinor: 1,
          totalMinor: 1,
        },
      ],
    },
  };
}

/** Every event, and once in four an order's first state again after its final one (stale). */
function allEvents(): CanonicalEvent[] {
  const events: CanonicalEvent[] = [];
  for (const [i, o] of orders.entries()) {
    events.push(orderEvent(o, "created"), orderEvent(o, "final"));
    if (i % 4 === 0) events.push(orderEvent(o, "created"));
    for (const r of o.refunds)
      events.push({
        ...envelope(o.shop, r.id, r.at),
        type: "refund",
        refund: {
          refundId: r.id,
          orderId: o.id,
          createdAt: iso(r.at),
          currency: "USD",
          amountMinor: r.amount,
          lines: [],
        },
      });
  }
  for (const c of checkouts)
    events.push({
      ...envelope(c.shop, c.id, c.at),
      type: "checkout",
      checkout: {
        checkoutId: c.id,
        createdAt: iso(c.at),
        updatedAt: iso(c.at),
        currency: "USD",
        totalMinor: 1000,
        completedAt: null,
      },
    });
  return events;
}

/** Consecutive batches of random sizes: a minute's facts arrive spread over several batches. */
function batches(events: CanonicalEvent[], seed: number): CanonicalEvent[][] {
  const r = seededRandom(seed);
  const out: CanonicalEvent[][] = [];
  for (let i = 0; i < events.length;) {
    const n = 1 + Math.floor(r() * 40);
    out.push(events.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Per shop and minute, from the orders' final states: what sales_1m must say. */
function expected(
  shop: string,
): Map<number, { orders: number; revenue: number; refunds: number; items: number; checkouts: number }> {
  const rows = new Map<
    number,
    { orders: number; revenue: number; refunds: number; items: number; checkouts: number }
  >();
  const at = (ms: number) => {
    const minute = Math.floor(ms / M) * M;
    const row = rows.get(minute) ?? { orders: 0, revenue: 0, refunds: 0, items: 0, checkouts: 0 };
    rows.set(minute, row);
    return row;
  };
  for (const o of orders.filter((x) => x.shop === shop && !x.test)) {
    const created = at(o.createdAt);
    created.orders += 1;
    created.revenue += o.total;
    created.items += o.items;
    if (o.cancelledAt !== null) {
      const cancelled = at(o.cancelledAt);
      cancelled.orders -= 1;
      cancelled.revenue -= o.total;
      cancelled.items -= o.items;
    }
    // A cancelled order's refunds are not taken out again: the cancellation took its whole total.
    if (o.cancelledAt === null) for (const r of o.refunds) at(r.at).refunds += r.amount;
  }
  for (const c of checkouts.filter((x) => x.shop === shop)) at(c.at).checkouts += 1;
  return rows;
}

async function stored(shop: string) {
  expect(await walApplied(db, ["sales_1m"])).toBe(true);
  const rows = await db.rows<{
    ts: string;
    orders: number;
    revenue_minor: number;
    refunds_minor: number;
    items: number;
    checkouts: number;
  }>(
    `SELECT ts, orders, revenue_minor, refunds_minor, items, checkouts FROM sales_1m WHERE shop = ${sqlString(shop)} ORDER BY ts`,
  );
  // A minute whose every order turned out a test order is a zero row: the same as no row.
  return new Map(
    rows
      .filter((r) => r.orders || r.revenue_minor || r.refunds_minor || r.items || r.checkouts)
      .map((r) => [
        Date.parse(r.ts),
        {
          orders: r.orders,
          revenue: r.revenue_minor,
          refunds: r.refunds_minor,
          items: r.items,
          checkouts: r.checkouts,
        },
      ]),
  );
}

const nonZero = (rows: ReturnType<typeof expected>) =>
  new Map([...rows].filter(([, r]) => r.orders || r.revenue || r.refunds || r.items || r.checkouts));

/** Hands the events to a fresh handler (a fresh process) in batches; `only` picks some batches. */
async function run(
  recent: RecentFacts | undefined,
  seed: number,
  only?: (i: number) => boolean,
): Promise<void> {
  const shops = new ShopDirectory(db, { SHOP_TIMEZONES: {}, DEFAULT_SHOP_TIMEZONE: "UTC" });
  const sender = await db.sender();
  await shops.init(sender);
  const handle = salesHandler(db, shops, log, recent ? { recent } : {});
  for (const [i, batch] of batches(allEvents(), seed).entries())
    if (only?.(i) ?? true) await handle(batch, sender);
  await sender.close();
}

/** What a crash redelivers: a few batches from the middle of the stream, nothing else. */
const redelivered = (i: number) => i >= 5 && i < 8;

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-recent-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, SALES_TABLES);
}, 300_000);
afterAll(async () => server?.stop());

describe("sales windows from memory", () => {
  it("add up to the generated orders, refunds and checkouts", async () => {
    await run(new RecentFacts(48 * 3_600_000), 1);
    for (const shop of SHOPS) expect(await stored(shop), shop).toEqual(nonZero(expected(shop)));
  }, 120_000);

  it("converge on the same rows when batches are redelivered after a restart (mirror loaded from QuestDB)", async () => {
    expect(await walApplied(db, ["sales_facts"])).toBe(true);
    const restarted = new RecentFacts(48 * 3_600_000);
    expect(await restarted.load(db, () => true)).toBeGreaterThan(orders.length);
    await run(restarted, 2, redelivered);
    for (const shop of SHOPS)
      expect(await stored(shop), `redelivered ${shop}`).toEqual(nonZero(expected(shop)));
    await run(undefined, 3);
    for (const shop of SHOPS)
      expect(await stored(shop), `read back ${shop}`).toEqual(nonZero(expected(shop)));
  }, 180_000);

  it("would not without the load: a redelivered batch would overwrite its minutes with part of them", async () => {
    // This proves the test above can fail: the same redelivery with a mirror that was not loaded.
    await run(new RecentFacts(48 * 3_600_000), 2, redelivered);
    const diverged = await Promise.all(SHOPS.map(async (shop) => stored(shop)));
    expect(diverged).not.toEqual(SHOPS.map((shop) => nonZero(expected(shop))));
  }, 120_000);
});
