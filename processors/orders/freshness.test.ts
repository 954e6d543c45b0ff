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
 * Covers both lookups — by time range (orders close together) and by id lists (a range holding
 * far more stored orders than the batch, where the range answer is cut off).
 */
let server: QuestDbServer;
let db: QuestDb;
const SHOP = "fresh-test.myshopify.com";
const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 10, 20, 12, minute, second)).toISOString();

function version(orderId: string, createdAt: string, updatedAt: string): OrderVersion {
  return { platform: "shopify", shop: SHOP, orderId, createdAt, updatedAt };
}

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-freshness-")) });
  db = server.db;
  await ensureTables(db, ORDER_TABLES);
  const sender = await db.sender();
  const stored = [
    version("A", at(0, 10), at(5)), // stored newer than the update that will arrive
    version("B", at(0, 20), at(1)), // stored older
    version("C", at(0, 30), at(2)), // stored with the same updated_at
    // 300 orders around minute 30: a range the batch below barely touches
    ...Array.from({ length: 300 }, (_, i) => version(`bulk-${i}`, at(30, i % 60), at(31))),
    version("E", at(30, 30), at(40)),
  ];
  for (const v of stored) {
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
  while ((await db.exec<[number]>("SELECT count() FROM orders")).dataset[0]?.[0] !== stored.length) {
    if (Date.now() > deadline) throw new Error("rows not visible");
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);
afterAll(async () => server?.stop());

describe("OrderVersions after a restart", () => {
  it("drops updates older than the stored state and keeps newer or unknown ones (range lookup)", async () => {
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

  it("gives the same answer when the range holds too many stored orders to read whole (id lookup)", async () => {
    const versions = new OrderVersions(db);
    const { fresh, stale } = await versions.fresh([
      // 12:30:00–12:30:59 holds 301 stored orders, more than 2 × 3 + 100: the range answer is cut off.
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
  });
});
