import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../core/log.ts";
import { QuestDb, sqlString } from "../../core/questdb.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { ensureTables, ORDER_TABLES } from "../orders/schema.ts";
import { DEFAULT_FORECAST_SETTINGS } from "./forecast.ts";
import { Forecaster } from "./forecaster.ts";
import { INVENTORY_TABLES } from "./schema.ts";

let questdb: QuestDbServer;
let db: QuestDb;

beforeAll(async () => {
  questdb = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "forecaster-")) });
  db = new QuestDb(questdb.httpUrl);
  await ensureTables(db, [...ORDER_TABLES, ...INVENTORY_TABLES]);
}, 300_000);
afterAll(async () => {
  await questdb?.stop();
});

/** A forecaster of its own sender for `run`, the sender closed after. */
async function withForecaster<T>(
  run: (f: Forecaster) => Promise<T>,
  options: { writtenMax?: number } = {},
): Promise<T> {
  const sender = await db.sender();
  try {
    return await run(
      new Forecaster({
        db,
        sender,
        settings: DEFAULT_FORECAST_SETTINGS,
        log: createLogger("test", "silent"),
        ...options,
      }),
    );
  } finally {
    await sender.close();
  }
}

/** One stock report per SKU at one location, waited for until QuestDB shows them all. */
async function fileReports(
  shop: string,
  count: number,
  report: (i: number) => { item: string; sku: string; available: number },
) {
  const rows = Array.from({ length: count }, (_, i) => {
    const { item, sku, available } = report(i);
    return `('2026-12-01T10:00:00.000000Z', 'shopify', ${sqlString(shop)}, ${sqlString(item)}, 'loc-1', ${sqlString(sku)}, ${available}, '2026-12-01T10:00:01.000000Z')`;
  });
  await db.exec(
    `INSERT INTO inventory_reports (updated_at, platform, shop, inventory_item_id, location_id, sku, available, received_at) VALUES ${rows.join(",")}`,
  );
  await eventually(async () => {
    const { dataset } = await db.exec(
      `SELECT count() FROM inventory_reports WHERE shop = ${sqlString(shop)}`,
    );
    expect(dataset).toEqual([[count]]);
  });
}

describe("the forecaster's memory of written levels", () => {
  it("stays within writtenMax however many SKU-locations a shop reports, and every level is still written", async () => {
    const SKUS = 40;
    const now = Date.parse("2026-12-01T12:00:00Z");
    await fileReports("many.example", SKUS, (i) => ({
      item: `item-${i}`,
      sku: `SKU-${i}`,
      available: i + 1,
    }));

    await withForecaster(
      async (forecaster) => {
        expect(await forecaster.sweep(now)).toBe(SKUS);
        expect(forecaster.rememberedLevels).toBe(10);
        // A second sweep rewrites what was forgotten (an upsert of the same row), and stays bounded.
        expect(await forecaster.sweep(now)).toBe(SKUS);
        expect(forecaster.rememberedLevels).toBe(10);
      },
      { writtenMax: 10 },
    );
    await eventually(async () => {
      const { dataset } = await db.exec<[string, number]>(
        `SELECT sku, available FROM inventory_levels WHERE shop = ${sqlString("many.example")} ORDER BY sku`,
      );
      expect(new Map(dataset)).toEqual(new Map(Array.from({ length: SKUS }, (_, i) => [`SKU-${i}`, i + 1])));
    });
  }, 60_000);
});

describe("a shop handed out whole (its dirty SKUs overflowed)", () => {
  it("computes every SKU of the shop, the marked ones once", async () => {
    const SKUS = 5;
    const shop = "whole.example";
    await fileReports(shop, SKUS, (i) => ({ item: `w-${i}`, sku: `W-${i}`, available: 10 + i }));
    await withForecaster(async (forecaster) => {
      const work = {
        skus: [{ platform: "shopify", shop, sku: "W-1" }],
        shops: [{ platform: "shopify", shop }],
      };
      expect(await forecaster.computeDirty(work, Date.parse("2026-12-01T12:00:00Z"))).toBe(SKUS);
    });
    await eventually(async () => {
      const { dataset } = await db.exec<[string, number]>(
        `SELECT sku, available FROM inventory_levels WHERE shop = ${sqlString(shop)} ORDER BY sku`,
      );
      expect(dataset).toEqual(Array.from({ length: SKUS }, (_, i) => [`W-${i}`, 10 + i]));
    });
  }, 60_000);
});

describe("retiring an item:<id> key once its item is mapped to a SKU", () => {
  const now = Date.parse("2026-12-01T12:00:00Z");

  /** One report of an unmapped item, waited for until QuestDB shows it (each test has its own shop). */
  async function reportUnmapped(shop: string, item: string, available: number) {
    await db.exec(
      `INSERT INTO inventory_reports (updated_at, platform, shop, inventory_item_id, location_id, available, received_at)
       VALUES ('2026-12-01T10:00:00.000000Z', 'shopify', ${sqlString(shop)}, ${sqlString(item)}, 'loc-1', ${available}, '2026-12-01T10:00:01.000000Z')`,
    );
    await eventually(async () => {
      const { dataset } = await db.exec(
        `SELECT count() FROM inventory_reports WHERE shop = ${sqlString(shop)}`,
      );
      expect(dataset).toEqual([[1]]);
    });
  }
  async function mapItem(shop: string, item: string, sku: string) {
    await db.exec(
      `INSERT INTO inventory_items (updated_at, platform, shop, inventory_item_id, sku, product_id, variant_id)
       VALUES ('2026-12-01T11:00:00.000000Z', 'shopify', ${sqlString(shop)}, ${sqlString(item)}, ${sqlString(sku)}, 'p-1', 'v-1')`,
    );
    await eventually(async () => {
      const { dataset } = await db.exec(`SELECT sku FROM inventory_items WHERE shop = ${sqlString(shop)}`);
      expect(dataset).toEqual([[sku]]);
    });
  }
  async function latest(shop: string) {
    const { dataset } = await db.exec<[string, number | null, boolean]>(
      `SELECT sku, available, retired FROM stockout_forecast WHERE shop = ${sqlString(shop)}
       LATEST ON ts PARTITION BY sku ORDER BY sku`,
    );
    return dataset;
  }
  it("retires a key only a dirty pass forecast, at the next full sweep", async () => {
    const shop = "dirty-ghost.example";
    await reportUnmapped(shop, "77", 5);
    await withForecaster(async (forecaster) => {
      // No sweep has seen the item yet: the dirty pass alone files its report under item:77.
      await forecaster.computeDirty(
        { skus: [{ platform: "shopify", shop, sku: "item:77" }], shops: [] },
        now,
      );
      await eventually(async () => expect(await latest(shop)).toEqual([["item:77", 5, false]]));
      await mapItem(shop, "77", "MUG");
      await forecaster.sweep(now + 60_000);
    });
    await eventually(async () =>
      expect(await latest(shop)).toEqual([
        ["MUG", 5, false],
        ["item:77", null, true],
      ]),
    );
  }, 60_000);

  it("retires a key a previous forecaster left live, after a restart", async () => {
    const shop = "restart-ghost.example";
    await reportUnmapped(shop, "88", 9);
    await withForecaster((f) => f.sweep(now));
    await eventually(async () => expect(await latest(shop)).toEqual([["item:88", 9, false]]));
    await mapItem(shop, "88", "JUG");
    // A new process: nothing in memory says item:88 was ever forecast.
    await withForecaster((f) => f.sweep(now + 60_000));
    await eventually(async () =>
      expect(await latest(shop)).toEqual([
        ["JUG", 9, false],
        ["item:88", null, true],
      ]),
    );
  }, 60_000);
});
