import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../core/log.ts";
import { QuestDb } from "../core/questdb.ts";
import { ORDER_TABLES, ensureTables } from "../processors/orders/schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";
import { eventually } from "../test/support/eventually.ts";
import { redactCustomer, redactShop, SHOP_TABLES } from "./redact.ts";

/** Shop redaction on a real QuestDB, with the production DDL of orders, order_lines and refunds. */

const log = createLogger("test", "silent");
let server: QuestDbServer;
let db: QuestDb;

const GONE = "gone.myshopify.com";
const KEPT = "kept.myshopify.com";
// Three days; the redacted shop has rows on two of them, the kept shop on all three.
const DAYS = ["2026-10-01", "2026-10-02", "2026-10-03"];

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-redact-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, ORDER_TABLES);
  const values = (shop: string, day: string, n: number) =>
    Array.from({ length: n }, (_, i) => ({
      shop,
      at: `${day}T0${i}:00:00.000000Z`,
      id: `${shop[0]}-${day}-${i}`,
    }));
  const rows = [
    ...values(GONE, DAYS[0]!, 3),
    ...values(GONE, DAYS[2]!, 2),
    ...DAYS.flatMap((d) => values(KEPT, d, 4)),
  ];
  // One multi-row INSERT per table: each statement is a WAL commit.
  const many = (f: (r: (typeof rows)[number]) => string) => rows.map(f).join(", ");
  await db.exec(
    `INSERT INTO orders (created_at, platform, shop, order_id, total_minor, customer_key, status, currency, updated_at)
     VALUES ${many((r) => `('${r.at}', 'shopify', '${r.shop}', '${r.id}', 1000, 'key-${r.shop}', 'sale', 'USD', '${r.at}')`)}`,
  );
  await db.exec(
    `INSERT INTO order_lines (created_at, platform, shop, order_id, line_id, sku, quantity, total_minor)
     VALUES ${many((r) => `('${r.at}', 'shopify', '${r.shop}', '${r.id}', '${r.id}-1', 'SKU', 1, 1000)`)}`,
  );
  await db.exec(
    `INSERT INTO refunds (created_at, platform, shop, refund_id, order_id, amount_minor)
     VALUES ${many((r) => `('${r.at}', 'shopify', '${r.shop}', 'r-${r.id}', '${r.id}', 100)`)}`,
  );
  await eventually(async () => expect(await count("refunds", KEPT)).toBe(12));
}, 60_000);
afterAll(() => server?.stop());

async function count(table: string, shop: string): Promise<number> {
  const result = await db.exec<[number]>(`SELECT count() FROM ${table} WHERE shop = '${shop}'`);
  return result.dataset[0]?.[0] ?? 0;
}

describe("shop redaction (per-day partition rewrite)", () => {
  it("removes every row of the shop from orders, order_lines and refunds, and keeps the other shop's", async () => {
    const report = await redactShop(db, "shopify", GONE, log, SHOP_TABLES.slice(0, 3));
    expect(report.map((r) => [r.table, r.days, r.rowsRemoved])).toEqual([
      ["orders", ["2026-10-01", "2026-10-03"], 5],
      ["order_lines", ["2026-10-01", "2026-10-03"], 5],
      ["refunds", ["2026-10-01", "2026-10-03"], 5],
    ]);
    await eventually(async () => {
      for (const table of ["orders", "order_lines", "refunds"]) {
        expect(await count(table, GONE), table).toBe(0);
        expect(await count(table, KEPT), table).toBe(12);
      }
    });
    // The kept rows are intact, not just counted.
    const kept = await db.exec<[string, number]>(
      `SELECT order_id, total_minor FROM orders WHERE shop = '${KEPT}' ORDER BY created_at`,
    );
    expect(kept.dataset.map((r) => r[1])).toEqual(Array(12).fill(1000));
    expect(new Set(kept.dataset.map((r) => r[0])).size).toBe(12);
    // The tables still deduplicate: re-writing a kept row does not add one.
    await db.exec(
      `INSERT INTO orders (created_at, platform, shop, order_id, total_minor, status, currency, updated_at)
       VALUES ('2026-10-02T00:00:00.000000Z', 'shopify', '${KEPT}', 'k-2026-10-02-0', 2000, 'sale', 'USD', '2026-10-02T00:00:00.000000Z')`,
    );
    await eventually(async () => {
      const row = await db.exec<[number, number]>(
        `SELECT count(), sum(total_minor) FROM orders WHERE shop = '${KEPT}'`,
      );
      expect(row.dataset[0]).toEqual([12, 13_000]);
    });
  });

  it("is idempotent: a repeated shop/redact finds nothing left and changes nothing", async () => {
    const report = await redactShop(db, "shopify", GONE, log, SHOP_TABLES.slice(0, 3));
    expect(report.every((r) => r.rowsRemoved === 0 && r.days.length === 0)).toBe(true);
    expect(await count("orders", KEPT)).toBe(12);
  });

  it("customers/redact clears only that customer's key", async () => {
    await redactCustomer(db, "shopify", KEPT, `key-${KEPT}`);
    await eventually(async () => {
      const left = await db.exec<[number]>(`SELECT count() FROM orders WHERE customer_key IS NOT NULL`);
      expect(left.dataset[0]![0]).toBe(0);
    });
    expect(await count("orders", KEPT)).toBe(12);
  });
});
