/**
 * How long the forecaster takes: a full sweep of one shop, and a recompute of a few dirty SKUs.
 * Run: node processors/inventory/bench.ts [skus=2000] [linesPerSku=25]
 * Starts its own QuestDB in a temporary directory.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../core/log.ts";
import { startQuestDbServer } from "../../services/questdb-server.ts";
import { ensureTables, ORDER_TABLES } from "../orders/schema.ts";
import { DEFAULT_FORECAST_SETTINGS, DAY_MS } from "./forecast.ts";
import { Forecaster } from "./forecaster.ts";
import { INVENTORY_TABLES } from "./schema.ts";

const skus = Number(process.argv[2] ?? 2000);
const linesPerSku = Number(process.argv[3] ?? 25);
const server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "md-inv-bench-")) });
const db = server.db;
await ensureTables(db, [...ORDER_TABLES, ...INVENTORY_TABLES]);
const sender = await db.sender();
const now = Date.now();
const shop = "bench.myshopify.com";
for (let s = 0; s < skus; s++) {
  for (let l = 0; l < linesPerSku; l++) {
    const at = now - ((l + 0.5) / linesPerSku) * 7 * DAY_MS;
    await sender
      .table("order_lines")
      .symbol("platform", "shopify")
      .symbol("shop", shop)
      .symbol("sku", `SKU-${s}`)
      .symbol("status", "sale")
      .stringColumn("order_id", `o-${s}-${l}`)
      .stringColumn("line_id", `l-${s}-${l}`)
      .intColumn("quantity", 1 + (l % 3))
      .booleanColumn("test", false)
      .at(BigInt(Math.round(at)) * 1000n, "us");
  }
  await sender
    .table("inventory_items")
    .symbol("platform", "shopify")
    .symbol("shop", shop)
    .symbol("inventory_item_id", `${s}`)
    .symbol("sku", `SKU-${s}`)
    .at(BigInt(now - 30 * DAY_MS) * 1000n, "us");
  await sender
    .table("inventory_reports")
    .symbol("platform", "shopify")
    .symbol("shop", shop)
    .symbol("inventory_item_id", `${s}`)
    .symbol("location_id", "1")
    .intColumn("available", 100)
    .at(BigInt(now - DAY_MS) * 1000n, "us");
  if (s % 200 === 199) await sender.flush();
}
await sender.flush();
// Let WAL apply everything before timing reads.
for (;;) {
  const r = await db.exec<[number]>("SELECT count() FROM order_lines");
  if (r.dataset[0]![0] === skus * linesPerSku) break;
  await new Promise((r) => setTimeout(r, 200));
}

const forecaster = new Forecaster({
  db,
  sender: await db.sender(),
  settings: DEFAULT_FORECAST_SETTINGS,
  log: createLogger("bench", "warn"),
});
const time = async (what: string, run: () => Promise<number>) => {
  const started = performance.now();
  const n = await run();
  console.log(`${what}: ${n} SKUs in ${(performance.now() - started).toFixed(0)} ms`);
};
await time("full sweep (first: writes every level)", () => forecaster.sweep(Date.now()));
await time("full sweep (again)", () => forecaster.sweep(Date.now()));
const dirty = Array.from({ length: 10 }, (_, i) => ({ platform: "shopify", shop, sku: `SKU-${i * 7}` }));
await time("10 dirty SKUs", () => forecaster.computeDirty({ skus: dirty, shops: [] }, Date.now()));
console.log(`${skus} SKUs × ${linesPerSku} order lines each over 7 days, one location`);

await server.stop();
