import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QuestDb, sqlString, toMicros } from "../../core/questdb.ts";
import { seededRandom } from "../../core/seeded-random.ts";
import { startQuestDbServer, type QuestDbServer } from "../../services/questdb-server.ts";
import { eventually } from "../../test/support/eventually.ts";
import { ensureTables, ORDER_TABLES } from "../orders/schema.ts";
import { SALES_TABLES } from "../sales/schema.ts";
import { convertColdPartitions } from "./parquet.ts";
import { FACT_TABLES, HISTORY_TTL_DDL, ROLLUP_VIEWS } from "./schema.ts";

/**
 * Two years of history on a real QuestDB: tables made with the old 90-day TTL get two years,
 * partitions older than 90 days become Parquet while queries keep spanning both kinds, and the
 * hourly and daily views recompute a bucket when a minute in it is upserted — in a Parquet partition.
 */
let server: QuestDbServer;
let db: QuestDb;
const SHOP = "history.myshopify.com";
const DAY = 86_400_000;
const NOW = Date.now();
const today = Math.floor(NOW / DAY) * DAY;
/** Minutes written: two cold days and today's first hour, with generated figures. */
const random = seededRandom(7);
const minutes = [today - 120 * DAY, today - 100 * DAY, today].flatMap((day) =>
  Array.from({ length: 30 }, (_, i) => ({
    ts: day + 3_600_000 + i * 60_000 * 2, // 01:00–01:58 UTC, every other minute
    orders: 1 + Math.floor(random() * 5),
    revenue: 100 + Math.floor(random() * 50_000),
  })),
);
const sumOf = (rows: typeof minutes) => ({
  orders: rows.reduce((s, r) => s + r.orders, 0),
  revenue: rows.reduce((s, r) => s + r.revenue, 0),
});

async function writeMinutes(rows: typeof minutes): Promise<void> {
  const sender = await db.sender();
  for (const row of rows) {
    await sender
      .table("sales_1m")
      .symbol("platform", "shopify")
      .symbol("shop", SHOP)
      .symbol("currency", "USD")
      .intColumn("orders", row.orders)
      .intColumn("revenue_minor", row.revenue)
      .at(BigInt(row.ts) * 1000n, "us");
    await sender
      .table("orders")
      .symbol("platform", "shopify")
      .symbol("shop", SHOP)
      .stringColumn("order_id", `o-${row.ts}`)
      .intColumn("total_minor", row.revenue)
      .timestampColumn("updated_at", toMicros(new Date(row.ts).toISOString()), "us")
      .at(BigInt(row.ts) * 1000n, "us");
  }
  await sender.flush();
  await sender.close();
}

async function one<T>(query: string): Promise<T> {
  return (await db.exec<T>(query)).dataset[0]!;
}

beforeAll(async () => {
  server = await startQuestDbServer({ dir: mkdtempSync(join(tmpdir(), "metricsdash-retention-")) });
  db = server.db;
  // As an earlier version made them: 90 days.
  await ensureTables(
    db,
    [...ORDER_TABLES, ...SALES_TABLES].map((ddl) => ddl.replace("TTL 2 YEARS", "TTL 90 DAYS")),
  );
  await ensureTables(db, [...HISTORY_TTL_DDL, ...ROLLUP_VIEWS]);
  await writeMinutes(minutes);
  await eventually(async () => {
    expect(await one<[number]>("SELECT count() FROM sales_1m")).toEqual([minutes.length]);
    expect(await one<[number]>("SELECT count() FROM orders")).toEqual([minutes.length]);
  });
}, 300_000);
afterAll(async () => server?.stop());

describe("two years of history", () => {
  it("keeps every fact table two years", async () => {
    for (const { table } of FACT_TABLES) {
      expect(
        await one(`SELECT ttlValue, ttlUnit FROM tables() WHERE table_name = ${sqlString(table)}`),
      ).toEqual([2, "YEAR"]);
    }
  });

  it("turns partitions older than 90 days into Parquet, and queries span both kinds", async () => {
    const converted = await convertColdPartitions(db, 90, NOW);
    expect(converted).toEqual([
      { table: "orders", partitions: 2 },
      { table: "sales_1m", partitions: 2 },
    ]);
    // The ALTER goes through the table's WAL like a write: applied a moment later.
    for (const table of ["orders", "sales_1m"]) {
      await eventually(async () => {
        const partitions = await db.exec<[string, boolean]>(
          `SELECT name, isParquet FROM table_partitions(${sqlString(table)}) ORDER BY name`,
        );
        expect(partitions.dataset.map(([, parquet]) => parquet)).toEqual([true, true, false]);
      });
    }
    const all = sumOf(minutes);
    expect(await one("SELECT sum(orders), sum(revenue_minor) FROM sales_1m")).toEqual([
      all.orders,
      all.revenue,
    ]);
    expect(await one("SELECT count(), sum(total_minor) FROM orders")).toEqual([minutes.length, all.revenue]);
    const cold = minutes.filter((m) => m.ts < today - 90 * DAY);
    expect(
      await one(
        `SELECT sum(revenue_minor) FROM sales_1m WHERE ts < ${sqlString(new Date(today - 90 * DAY).toISOString())}`,
      ),
    ).toEqual([sumOf(cold).revenue]);
    // Nothing left to convert: a second round changes nothing.
    expect(await convertColdPartitions(db, 90, NOW)).toEqual([]);
  });

  it("recomputes an hourly and a daily bucket when a minute in a Parquet partition is upserted", async () => {
    const day = today - 100 * DAY;
    const inHour = (rows: typeof minutes) => rows.filter((m) => m.ts >= day && m.ts < day + DAY);
    const hour = new Date(day + 3_600_000).toISOString();
    const bucket = (view: string, at: string) =>
      one(
        `SELECT orders, revenue_minor FROM ${view} WHERE shop = ${sqlString(SHOP)} AND ts = ${sqlString(at)}`,
      );
    const before = sumOf(inHour(minutes));
    await eventually(async () =>
      expect(await bucket("sales_1h", hour)).toEqual([before.orders, before.revenue]),
    );
    await eventually(async () =>
      expect(await bucket("sales_1d", new Date(day).toISOString())).toEqual([before.orders, before.revenue]),
    );

    // The minute is recomputed (a late refund, a cancellation): same key, new figures.
    const changed = { ...inHour(minutes)[3]!, orders: 40, revenue: 777_777 };
    await writeMinutes([changed]);
    const after = sumOf(inHour(minutes.map((m) => (m.ts === changed.ts ? changed : m))));
    expect(after.revenue).not.toEqual(before.revenue);
    await eventually(async () =>
      expect(await bucket("sales_1h", hour)).toEqual([after.orders, after.revenue]),
    );
    await eventually(async () =>
      expect(await bucket("sales_1d", new Date(day).toISOString())).toEqual([after.orders, after.revenue]),
    );
  });
});
