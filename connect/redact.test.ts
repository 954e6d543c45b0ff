import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALERTS_TABLE } from "../alerting/history.ts";
import { createLogger } from "../core/log.ts";
import { QuestDb, sqlString, walApplied } from "../core/questdb.ts";
import { CATCHUP_RUNS_TABLE } from "../processors/fetchers/runs.ts";
import { INVENTORY_TABLES } from "../processors/inventory/schema.ts";
import { RECONCILIATION_TABLE } from "../processors/reconcile/schema.ts";
import { ORDER_TABLES, ensureTables } from "../processors/orders/schema.ts";
import { SALES_TABLES } from "../processors/sales/schema.ts";
import { startQuestDbServer, type QuestDbServer } from "../services/questdb-server.ts";
import { REWRITE_STEPS, type RewriteStep } from "./partition-rewrite.ts";
import { redactCustomer, redactShop } from "./redact.ts";
import { shopDataTables } from "./shop-data.ts";

/**
 * Shop redaction on a real QuestDB, over every table the modules declare, with the production DDL.
 * Rows are generated from each table's real columns, so a table added to the declarations is
 * covered without this file knowing its shape.
 */

const log = createLogger("test", "silent");
let server: QuestDbServer;
let db: QuestDb;
const TABLES = shopDataTables();
const NAMES = TABLES.map((t) => t.table);

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-redact-")) });
  db = new QuestDb(server.httpUrl);
  await ensureTables(db, [
    ...ORDER_TABLES,
    ...SALES_TABLES,
    ...INVENTORY_TABLES,
    ALERTS_TABLE,
    CATCHUP_RUNS_TABLE,
    RECONCILIATION_TABLE,
  ]);
}, 60_000);
afterAll(() => server?.stop());

/** Stands in for a crash between two steps: the run stops there with nothing cleaned up. */
class Interrupted extends Error {}

interface Column {
  name: string;
  type: string;
}

async function columnsOf(table: string): Promise<Column[]> {
  return db
    .rows<{ column: string; type: string }>(`SELECT "column", type FROM table_columns(${sqlString(table)})`)
    .then((rows) => rows.map((r) => ({ name: r.column, type: r.type })));
}

/** A value for a column; text carries its owner so no two owners' rows share a dedup key. */
function literal(column: Column, i: number, at: string, owner: string): string {
  switch (column.type) {
    case "TIMESTAMP":
      return `'${at}'`;
    case "LONG":
    case "INT":
    case "SHORT":
    case "DOUBLE":
      return String(i + 1);
    case "BOOLEAN":
      return "false";
    default:
      return sqlString(`${column.name}-${owner}-${i}`);
  }
}

/** Writes `hours.length` rows per (platform, shop) into every declared table, one per hour given. */
async function seed(owners: { platform: string; shop: string; hours: string[] }[]): Promise<void> {
  for (const { table } of TABLES) {
    const columns = await columnsOf(table);
    const values = owners.flatMap(({ platform, shop, hours }) =>
      hours.map((at, i) => {
        const row = columns.map((c) =>
          c.name === "platform"
            ? sqlString(platform)
            : c.name === "shop"
              ? sqlString(shop)
              : literal(c, i, at, `${platform}:${shop}`),
        );
        return `(${row.join(", ")})`;
      }),
    );
    await db.exec(
      `INSERT INTO ${table} (${columns.map((c) => c.name).join(", ")}) VALUES ${values.join(", ")}`,
    );
  }
  if (!(await walApplied(db, NAMES))) throw new Error("WAL not applied after seeding");
}

/** Every row of a table as text, ordered, apart from the rows of one shop: what must survive exactly. */
async function othersOf(table: string, platform: string, shop: string): Promise<string[]> {
  const result = await db.exec(
    `SELECT * FROM ${table} WHERE NOT (platform = ${sqlString(platform)} AND shop = ${sqlString(shop)})`,
  );
  return result.dataset.map((row) => JSON.stringify(row)).sort();
}

async function rowsOf(table: string, platform: string, shop: string): Promise<number> {
  const result = await db.exec<[number]>(
    `SELECT count() FROM ${table} WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}`,
  );
  return result.dataset[0]?.[0] ?? 0;
}

async function leftovers(): Promise<string[]> {
  const result = await db.exec<[string]>(
    `SELECT table_name FROM tables() WHERE table_name LIKE '%__redact_%'`,
  );
  return result.dataset.map((r) => r[0]);
}

const hoursOn = (days: string[], perDay: number) =>
  days.flatMap((day) =>
    Array.from({ length: perDay }, (_, h) => `${day}T${String(h).padStart(2, "0")}:00:00.000000Z`),
  );

describe("shop redaction over every declared table", () => {
  it("declares the tables that were missed before: inventory, forecasts, alerts", () => {
    expect(NAMES).toEqual(
      expect.arrayContaining([
        "inventory_reports",
        "inventory_items",
        "inventory_levels",
        "stockout_forecast",
        "alerts",
      ]),
    );
  });

  it("every table the services create with a shop column is declared", async () => {
    const tables = await db.exec<[string]>(`SELECT table_name FROM tables()`);
    const withShop: string[] = [];
    for (const [table] of tables.dataset)
      if ((await columnsOf(table)).some((c) => c.name === "shop")) withShop.push(table);
    expect(withShop.sort()).toEqual([...NAMES].sort());
  });

  it("removes the shop from every table and keeps every other row, same platform or not", async () => {
    const gone = { platform: "shopify", shop: "gone-0.myshopify.com" };
    // The gone shop on two days and alone on a third; the same shop name on another platform stays.
    await seed([
      { ...gone, hours: [...hoursOn(["2026-10-01", "2026-10-03"], 2), ...hoursOn(["2026-10-05"], 1)] },
      {
        platform: "shopify",
        shop: "kept-0.myshopify.com",
        hours: hoursOn(["2026-10-01", "2026-10-02", "2026-10-03"], 3),
      },
      // Another hour than the gone shop's: `shops` is keyed by (ts, shop) alone.
      { platform: "woocommerce", shop: gone.shop, hours: hoursOn(["2026-10-02"], 2) },
    ]);
    const before = new Map(
      await Promise.all(NAMES.map(async (t) => [t, await othersOf(t, gone.platform, gone.shop)] as const)),
    );
    for (const table of NAMES) expect(before.get(table)!.length, table).toBeGreaterThanOrEqual(11);

    const report = await redactShop(db, gone.platform, gone.shop, log);
    expect(report.map((r) => r.table)).toEqual(NAMES);
    for (const r of report) expect(r.rowsRemoved, r.table).toBe(5);
    // Partition names follow each table's partitioning.
    const byTable = new Map(report.map((r) => [r.table, r.days]));
    expect(byTable.get("orders")).toEqual(["2026-10-01", "2026-10-03", "2026-10-05"]);
    expect(byTable.get("inventory_items")).toEqual(["2026-10"]);
    expect(byTable.get("shops")).toEqual(["2026"]);

    for (const table of NAMES) {
      expect(await rowsOf(table, gone.platform, gone.shop), table).toBe(0);
      expect(await othersOf(table, gone.platform, gone.shop), table).toEqual(before.get(table));
    }
    expect(await leftovers()).toEqual([]);
    // A second shop/redact finds nothing and changes nothing.
    const again = await redactShop(db, gone.platform, gone.shop, log);
    expect(again.every((r) => r.rowsRemoved === 0 && r.days.length === 0)).toBe(true);
  }, 120_000);

  // One fresh pair of shops per step: a run cut short after that step in one table, then a rerun.
  it.each(REWRITE_STEPS.map((step, n) => [step, n] as const))(
    "a run interrupted after %s resumes and loses no other shop's row",
    async (step: RewriteStep, n: number) => {
      const gone = { platform: "shopify", shop: `gone-${n + 1}.myshopify.com` };
      await seed([
        { ...gone, hours: hoursOn(["2026-09-10", "2026-09-11"], 2) },
        {
          platform: "shopify",
          shop: `kept-${n + 1}.myshopify.com`,
          hours: hoursOn(["2026-09-10", "2026-09-11"], 3),
        },
      ]);
      const before = new Map(
        await Promise.all(NAMES.map(async (t) => [t, await othersOf(t, gone.platform, gone.shop)] as const)),
      );
      const cutIn = "sales_1m";
      await expect(
        redactShop(db, gone.platform, gone.shop, log, {
          after: (at, table) => {
            if (at === step && table === cutIn) throw new Interrupted(`cut after ${at}`);
          },
        }),
      ).rejects.toBeInstanceOf(Interrupted);
      // Whatever state the cut left, no row of another shop may be missing once the rerun is done.
      const report = await redactShop(db, gone.platform, gone.shop, log);
      for (const table of NAMES) {
        expect(await rowsOf(table, gone.platform, gone.shop), table).toBe(0);
        expect(await othersOf(table, gone.platform, gone.shop), table).toEqual(before.get(table));
      }
      expect(await leftovers()).toEqual([]);
      // Tables the first run had not reached yet are redacted by the rerun, each of its 4 rows.
      expect(report.find((r) => r.table === "alerts")?.rowsRemoved).toBe(4);
    },
    120_000,
  );

  it("customers/redact clears only that customer's key", async () => {
    const shop = "kept-0.myshopify.com";
    await db.exec(`UPDATE orders SET customer_key = 'the-customer' WHERE shop = ${sqlString(shop)}`);
    await walApplied(db, ["orders"]);
    const others = await db.exec<[number]>(
      `SELECT count() FROM orders WHERE customer_key = 'customer_key-0'`,
    );
    await redactCustomer(db, "shopify", shop, "the-customer");
    await walApplied(db, ["orders"]);
    const left = await db.exec<[number]>(`SELECT count() FROM orders WHERE customer_key = 'the-customer'`);
    expect(left.dataset[0]![0]).toBe(0);
    expect(await rowsOf("orders", "shopify", shop)).toBe(9);
    const othersAfter = await db.exec<[number]>(
      `SELECT count() FROM orders WHERE customer_key = 'customer_key-0'`,
    );
    expect(othersAfter.dataset[0]![0]).toBe(others.dataset[0]![0]);
  });
});
