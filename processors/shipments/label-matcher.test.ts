import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CanonicalEvent, EVENT_VERSION, type Shipment } from "../../core/events.ts";
import { createLogger } from "../../core/log.ts";
import { shopPartition } from "../../core/partitions.ts";
import { walApplied, type QuestDb } from "../../core/questdb.ts";
import { waitFor } from "../../services/ports.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { ensureTables, ORDER_TABLES } from "../orders/schema.ts";
import { shipmentsHandler } from "./handler.ts";
import { LabelMatcher, startLabelRetries } from "./label-matcher.ts";
import { SHIPMENT_TABLES } from "./schema.ts";
import { GIVE_UP_AFTER_MS } from "./unresolved.ts";

/**
 * Labels matched with their orders on a real QuestDB, written through the shipment handler as the
 * processors write them: which orders a label is paired with, a label that comes before its order,
 * a newer state while it waits, a restart while it waits, and a stale replay. Expected rows are
 * worked out here from the written input.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
const log = createLogger("label-matcher-test", "silent");
let server: QuestDbServer;
let db: QuestDb;

interface OrderSpec {
  platform: string;
  shop: string;
  id: string;
  number: string;
  at: number;
  shippingMinor: number;
  currency?: string;
  /** Written before `orders.order_ref` existed: the number only. */
  legacy?: boolean;
}

async function writeOrders(orders: OrderSpec[]) {
  const body = orders
    .map(
      (o) =>
        `orders,platform=${o.platform},shop=${o.shop},status=sale,currency=${o.currency ?? "USD"} order_id="${o.id}",order_number="${o.number}",${o.legacy ? "" : `order_ref="${o.number.replace("#", "")}",`}updated_at=${o.at * 1000}t,total_minor=5000i,shipping_minor=${o.shippingMinor}i,test=f ${o.at * 1000}\n`,
    )
    .join("");
  const response = await fetch(new URL("/write?precision=u", server.httpUrl), { method: "POST", body });
  expect(response.status).toBe(204);
  expect(await walApplied(db, ["orders"], 60_000)).toBe(true);
}

const label = (
  id: string,
  ref: string | null,
  boughtAt: number,
  change: Partial<Shipment> = {},
): Shipment => ({
  shipmentId: id,
  orderRef: ref,
  carrier: "ups",
  service: "ground",
  trackingNumber: `T-${id}`,
  currency: "USD",
  labelCostMinor: 640,
  createdAt: iso(boughtAt),
  shippedAt: iso(boughtAt + HOUR),
  voidedAt: null,
  isReturn: false,
  updatedAt: iso(boughtAt),
  ...change,
});

let seq = 0;
const event = (shipment: Shipment, account = "acct-1") =>
  CanonicalEvent.parse({
    v: EVENT_VERSION,
    type: "shipment",
    platform: "shipstation",
    shop: account,
    eventId: `e${seq++}`,
    receivedAt: shipment.updatedAt,
    shipment,
  });

async function handle(handler: ReturnType<typeof shipmentsHandler>, events: CanonicalEvent[]) {
  const sender = await db.sender();
  try {
    await handler(events, sender);
  } finally {
    await sender.close();
  }
}

type PairRow = [string, string, string, string, number | null, string | null, string];
async function pairs(shipmentId: string): Promise<PairRow[]> {
  expect(await walApplied(db, ["label_orders"], 60_000)).toBe(true);
  const { dataset } = await db.exec<PairRow>(
    `SELECT shipment_id, shop, order_id, order_created_at, shipping_minor, voided_at, updated_at
     FROM label_orders WHERE shipment_id = '${shipmentId}' ORDER BY shop, order_id`,
  );
  return dataset;
}

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-label-matcher-")) });
  db = server.db;
  await ensureTables(db, [...ORDER_TABLES, ...SHIPMENT_TABLES]);
}, 120_000);
afterAll(async () => server?.stop());

describe("a label written by the shipment handler", () => {
  const bought = NOW - 5 * HOUR;
  beforeAll(async () => {
    await writeOrders([
      {
        platform: "shopify",
        shop: "a.myshopify.com",
        id: "A1",
        number: "#1001",
        at: bought - 3 * HOUR,
        shippingMinor: 500,
      },
      // Another shop's #1001: the join these rows replace counted the label once per such order.
      {
        platform: "woocommerce",
        shop: "b.example",
        id: "B1",
        number: "1001",
        at: bought - DAY,
        shippingMinor: 700,
      },
      // A third shop's #1001 ten days back: farther than the two above, so not this label's order.
      {
        platform: "shopify",
        shop: "c.myshopify.com",
        id: "C1",
        number: "#1001",
        at: bought - 10 * DAY,
        shippingMinor: 800,
      },
      // #1003 only ten days back: nothing nearer, so it is the label's.
      {
        platform: "shopify",
        shop: "c.myshopify.com",
        id: "C3",
        number: "#1003",
        at: bought - 10 * DAY,
        shippingMinor: 350,
      },
      // #5 from before `order_ref` existed, matched by the rule in SQL; one character (core/order-ref.ts).
      {
        platform: "shopify",
        shop: "c.myshopify.com",
        id: "C5",
        number: "#5",
        at: bought - HOUR,
        shippingMinor: 150,
        legacy: true,
      },
      // #1002 placed 40 days before its label: outside the 30-day window.
      {
        platform: "shopify",
        shop: "a.myshopify.com",
        id: "A2",
        number: "#1002",
        at: bought - 40 * DAY,
        shippingMinor: 900,
      },
    ]);
  }, 120_000);

  it("is paired with the nearest orders its reference names within 30 days, and with nothing else", async () => {
    const matcher = new LabelMatcher(db);
    const handler = shipmentsHandler(db, log, matcher);
    await handle(handler, [
      event(label("L1", "1001", bought)),
      event(label("L2", "1002", bought)),
      event(label("L3", null, bought)),
      event(label("L9", "1003", bought)),
      event(label("L10", "5", bought)),
      event(label("L11", "6", bought)),
    ]);
    expect((await pairs("L9")).map((r) => [r[2], r[4]])).toEqual([["C3", 350]]);
    expect((await pairs("L10")).map((r) => [r[2], r[4]])).toEqual([["C5", 150]]);
    expect(await pairs("L11")).toEqual([]);
    expect(await pairs("L1")).toEqual([
      [
        "L1",
        "a.myshopify.com",
        "A1",
        iso(bought - 3 * HOUR).replace("Z", "000Z"),
        500,
        null,
        iso(bought).replace("Z", "000Z"),
      ],
      [
        "L1",
        "b.example",
        "B1",
        iso(bought - DAY).replace("Z", "000Z"),
        700,
        null,
        iso(bought).replace("Z", "000Z"),
      ],
    ]);
    expect(await pairs("L2")).toEqual([]);
    expect(await pairs("L3")).toEqual([]);
    // L2 and L11 name orders that may yet come; L3 names none, so there is nothing to wait for.
    expect(matcher.unresolved.size).toBe(2);
  });

  it("is rewritten with its newer state, and a replay of the older one changes nothing", async () => {
    const matcher = new LabelMatcher(db);
    const handler = shipmentsHandler(db, log, matcher);
    const first = label("L4", "1001", bought);
    const voided = { ...first, voidedAt: iso(bought + 2 * HOUR), updatedAt: iso(bought + 2 * HOUR) };
    await handle(handler, [event(first)]);
    await handle(handler, [event(voided)]);
    await handle(handler, [event(first)]);
    const rows = await pairs("L4");
    expect(rows.map((r) => [r[2], r[5]])).toEqual([
      ["A1", iso(bought + 2 * HOUR).replace("Z", "000Z")],
      ["B1", iso(bought + 2 * HOUR).replace("Z", "000Z")],
    ]);
  });
});

describe("a label that comes before its order", () => {
  const bought = NOW - 2 * HOUR;

  it("waits, keeps its newest state, and is paired once the order is there", async () => {
    const matcher = new LabelMatcher(db);
    const handler = shipmentsHandler(db, log, matcher);
    const first = label("L5", "2001", bought);
    const shipped = { ...first, shippedAt: iso(bought + 3 * HOUR), updatedAt: iso(bought + 3 * HOUR) };
    await handle(handler, [event(first)]);
    await handle(handler, [event(shipped)]);
    expect(matcher.unresolved.size).toBe(1);
    expect(await pairs("L5")).toEqual([]);

    // Not due yet: nothing is looked up, nothing written.
    const sender = await db.sender();
    try {
      expect(await matcher.retry(sender, NOW)).toEqual({ matched: 0, waiting: 1 });
      await writeOrders([
        {
          platform: "shopify",
          shop: "a.myshopify.com",
          id: "A5",
          number: "#2001",
          at: bought - HOUR,
          shippingMinor: 450,
        },
      ]);
      expect(await matcher.retry(sender, Date.now() + 61_000)).toEqual({ matched: 1, waiting: 0 });
    } finally {
      await sender.close();
    }
    const rows = await pairs("L5");
    expect(rows.map((r) => [r[2], r[4], r[6]])).toEqual([
      ["A5", 450, iso(bought + 3 * HOUR).replace("Z", "000Z")],
    ]);
  });

  it("is found again after a restart, by the replica that owns its account", async () => {
    const accounts = ["acct-x", "acct-y", "acct-z", "acct-w"];
    const owner = (account: string) => shopPartition("shipstation", account, 2);
    // Two accounts of different partitions, so the one not owned shows it is left alone.
    const mine = accounts.find((a) => owner(a) === 0)!;
    const theirs = accounts.find((a) => owner(a) === 1)!;
    const before = shipmentsHandler(db, log, new LabelMatcher(db));
    await handle(before, [
      event(label("L6", "3001", bought), mine),
      event(label("L7", "3001", bought), theirs),
    ]);
    // The process stops here; the order comes while it is down.
    await writeOrders([
      {
        platform: "shopify",
        shop: "a.myshopify.com",
        id: "A6",
        number: "#3001",
        at: bought - HOUR,
        shippingMinor: 300,
      },
    ]);
    expect(await walApplied(db, ["shipments", "label_orders"], 60_000)).toBe(true);

    const restarted = new LabelMatcher(db);
    const sender = await db.sender();
    try {
      const resumed = await restarted.resume(sender, { index: 0, count: 2 });
      expect(resumed.matched).toBeGreaterThanOrEqual(1);
    } finally {
      await sender.close();
    }
    expect((await pairs("L6")).map((r) => r[2])).toEqual(["A6"]);
    expect(await pairs("L7")).toEqual([]);
  });
});

describe("a label that finds no order", () => {
  it("waits however old it is, and is let go once it has waited two days", async () => {
    const matcher = new LabelMatcher(db);
    const handler = shipmentsHandler(db, log, matcher);
    // A shipper's backfill: bought 40 days ago, seen now.
    await handle(handler, [event(label("L8", "4001", NOW - 40 * DAY))]);
    expect(matcher.unresolved.size).toBe(1);
    const sender = await db.sender();
    try {
      expect(await matcher.retry(sender, Date.now() + DAY)).toEqual({ matched: 0, waiting: 1 });
      expect(await matcher.retry(sender, Date.now() + GIVE_UP_AFTER_MS + HOUR)).toEqual({
        matched: 0,
        waiting: 0,
      });
    } finally {
      await sender.close();
    }
    expect(matcher.unresolved.gaveUp).toBe(1);
  });
});

describe("labels let go", () => {
  it("are said in the log once each: how many gave up, how many were dropped for room", async () => {
    const lines: Record<string, unknown>[] = [];
    const captured = createLogger("label-matcher-test", "info", {
      destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    const letGo = () => lines.filter((l) => String(l.msg).includes("no longer looked up"));
    const matcher = new LabelMatcher(db);
    const giveUp = (id: string) => {
      const waiting = { shipper: "shipstation", account: "acct-let-go", shipment: label(id, "9001", NOW) };
      matcher.unresolved.miss(waiting, NOW - GIVE_UP_AFTER_MS - 2 * HOUR);
      matcher.unresolved.miss(waiting, NOW);
    };
    giveUp("L-gone-1");
    const retries = startLabelRetries({ matcher, sender: await db.sender(), log: captured, everyMs: 10 });
    try {
      await waitFor("the first label let go in the log", async () => letGo().length === 1, 10_000);
      giveUp("L-gone-2");
      await waitFor("the second label let go in the log", async () => letGo().length === 2, 10_000);
    } finally {
      await retries.stop();
    }
    expect(letGo().map((l) => [l.gaveUp, l.droppedForRoom, l.totalGaveUp])).toEqual([
      [1, 0, 1],
      [1, 0, 2],
    ]);
  });
});
