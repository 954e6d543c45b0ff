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

describe("the forecaster's memory of written levels", () => {
  it("stays within writtenMax however many SKU-locations a shop reports, and every level is still written", async () => {
    const SKUS = 40;
    const now = Date.parse("2026-12-01T12:00:00Z");
    const rows = Array.from(
      { length: SKUS },
      (_, i) =>
        `('2026-12-01T10:00:00.000000Z', 'shopify', 'many.example', 'item-${i}', 'loc-1', 'SKU-${i}', ${i + 1}, '2026-12-01T10:00:01.000000Z')`,
    );
    await db.exec(
      `INSERT INTO inventory_reports (updated_at, platform, shop, inventory_item_id, location_id, sku, available, received_at) VALUES ${rows.join(",")}`,
    );
    await eventually(async () => {
      const { dataset } = await db.exec<[number]>("SELECT count() FROM inventory_reports");
      expect(dataset[0]![0]).toBe(SKUS);
    });

    const sender = await db.sender();
    const forecaster = new Forecaster({
      db,
      sender,
      settings: DEFAULT_FORECAST_SETTINGS,
      log: createLogger("test", "silent"),
      writtenMax: 10,
    });
    try {
      expect(await forecaster.sweep(now)).toBe(SKUS);
      expect(forecaster.rememberedLevels).toBe(10);
      // A second sweep rewrites what was forgotten (an upsert of the same row), and stays bounded.
      expect(await forecaster.sweep(now)).toBe(SKUS);
      expect(forecaster.rememberedLevels).toBe(10);
    } finally {
      await sender.close();
    }
    await eventually(async () => {
      const { dataset } = await db.exec<[string, number]>(
        `SELECT sku, available FROM inventory_levels WHERE shop = ${sqlString("many.example")} ORDER BY sku`,
      );
      expect(new Map(dataset)).toEqual(new Map(Array.from({ length: SKUS }, (_, i) => [`SKU-${i}`, i + 1])));
    });
  }, 60_000);
});
