import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuestDb, toMicros } from "../../core/questdb.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { OrderVersions, type OrderVersion } from "./freshness.ts";
import { ensureTables, ORDER_TABLES } from "./schema.ts";

/**
 * The stale-update guard after a restart: nothing in memory, so what is stored in QuestDB decides.
 * Each shop-day is read once; after that, orders of that day are judged from memory alone (the
 * consumer adds what it writes), and a day evicted for room is read again.
 */
let server: QuestDbServer;
let db: QuestDb;
const SHOP = "fresh-test.myshopify.com";
const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 20, 12, minute, second)).toISOString();

function version(orderId: string, createdAt: string, updatedAt: string): OrderVersion {
  return { platform: "shopify", shop: SHOP, orderId, createdAt, updatedAt };
}

async function storeAndWait(versions: OrderVersion[], total: number): Promise<void> {
  const sender = await db.sender();
  for (const v of versions) {
    await sender
      .table("orders")
      .symbol("platform", v.platform)
      .symbol("shop", v.shop)
      .stringColumn("order_id", v.orderId)
      .timestampColumn("updated_at", toMicros(v.updatedAt), "us")
      .at(toMicros(v.createdAt), "us");
  }
  await sender.flush();
  await sender.close();
  const deadline = Date.now() + 30_000;
  while ((await db.exec<[number]>("SELECT count() FROM orders")).dataset[0]?.[0] !== total) {
    if (Date.now() > deadline) throw new Error("rows not visible");
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-freshness-")) });
  db = server.db;
  await ensureTables(db, ORDER_TABLES);
  const stored = [
    version("A", at(0, 10), at(5)), // stored newer than the update that will arrive
    version("B", at(0, 20), at(1)), // stored older
    version("C", at(0, 30), at(2)), // stored with the same updated_at
    // 300 orders around minute 30: a range the batch below barely touches
    ...Array.from({ length: 300 }, (_, i) => version(`bulk-${i}`, at(30, i % 60), at(31))),
    version("E", at(30, 30), at(40)),
  ];
  await storeAndWait(stored, stored.length);
}, 300_000);
afterAll(async () => server?.stop());

describe("OrderVersions after a restart", () => {
  it("drops updates older than the stored state and keeps newer or unknown ones", async () => {
    const versions = new OrderVersions(db);
    const { fresh, stale } = await versions.fresh([
      version("A", at(0, 10), at(3)), // stored 12:05 > 12:03 → stale
      version("B", at(0, 20), at(3)), // stored 12:01 < 12:03 → fresh
      version("C", at(0, 30), at(2)), // same updated_at as stored → not older → fresh
      version("D", at(0, 40), at(3)), // never stored → fresh
    ]);
    expect(stale.map((v) => v.orderId)).toEqual(["A"]);
    expect(fresh.map((v) => v.orderId).sort()).toEqual(["B", "C", "D"]);
  });

  it("gives the same answer when the shop-day holds many more stored orders than the batch", async () => {
    const versions = new OrderVersions(db);
    const { fresh, stale } = await versions.fresh([
      // 12:30:00–12:30:59 holds 301 stored orders, all read with the day.
      version("G", at(30, 0), at(35)), // unknown → fresh
      version("E", at(30, 30), at(35)), // stored 12:40 → stale
      version("F", at(30, 59), at(35)), // unknown → fresh
    ]);
    expect(stale.map((v) => v.orderId)).toEqual(["E"]);
    expect(fresh.map((v) => v.orderId).sort()).toEqual(["F", "G"]);
  });

  it("looks orders far apart in time up separately, and remembers what it learned", async () => {
    const versions = new OrderVersions(db);
    const batch = [version("A", at(0, 10), at(4)), version("E", at(30, 30), at(50))];
    const first = await versions.fresh(batch);
    expect(first.stale.map((v) => v.orderId)).toEqual(["A"]);
    expect(first.fresh.map((v) => v.orderId)).toEqual(["E"]);
    // Known now: a second look needs no query, and still finds A stale.
    await server.stop();
    const second = await versions.fresh([version("A", at(0, 10), at(4))]);
    expect(second.stale.map((v) => v.orderId)).toEqual(["A"]);
    // An order of a day already read is new when it isn't held: judged without QuestDB.
    const third = await versions.fresh([version("H", at(45), at(46))]);
    expect(third.fresh.map((v) => v.orderId)).toEqual(["H"]);
    // What was written is remembered: an older state of it is stale, still without QuestDB.
    versions.remember(third.fresh);
    const fourth = await versions.fresh([version("H", at(45), at(45, 30))]);
    expect(fourth.stale.map((v) => v.orderId)).toEqual(["H"]);
    await server.start();
  });

  it("reads a shop-day again after it was evicted for room", async () => {
    const versions = new OrderVersions(db, 10); // the stored day alone holds 304 orders
    const dayBefore = new Date(Date.UTC(2026, 10, 19, 12)).toISOString();
    expect((await versions.fresh([version("A", at(0, 10), at(4))])).stale).toHaveLength(1);
    // Another day's use evicts the full one.
    expect((await versions.fresh([version("Z", dayBefore, dayBefore)])).fresh).toHaveLength(1);
    // Written by someone else meanwhile: only a fresh read of the day can know Y.
    await storeAndWait([version("Y", at(50), at(55))], 305);
    const again = await versions.fresh([version("Y", at(50), at(51)), version("A", at(0, 10), at(4))]);
    expect(again.stale.map((v) => v.orderId).sort()).toEqual(["A", "Y"]);
  });
});
