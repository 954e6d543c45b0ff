import type { Logger } from "../core/log.ts";
import { sqlString, type QuestDb } from "../core/questdb.ts";

/**
 * Removing one shop's rows from QuestDB, which has no row DELETE. Tables are partitioned by day, so
 * for every day that holds the shop's rows we rewrite that one partition without them:
 *
 *   1. wait until the table's WAL is applied (the copy must see every committed row),
 *   2. copy those days' other rows aside: CREATE TABLE t_redact AS (SELECT * FROM t WHERE <days> AND NOT shop),
 *   3. drop those days:                   ALTER TABLE t DROP PARTITION LIST 'YYYY-MM-DD', …,
 *   4. put the other rows back:           INSERT INTO t SELECT * FROM t_redact, then DROP TABLE t_redact.
 *
 * Steps 3 and 4 go through the WAL in order, so readers see the day either before the drop or with
 * the other shops' rows back. Work is proportional to the rows of the shop's days, not the table, and
 * takes five statements per table however many days. The gap: a row
 * of another shop written to the same day between steps 2 and 3 is lost from QuestDB (it stays in
 * JetStream for 7 days and comes back on a replay). Shopify sends shop/redact 48 h after an uninstall,
 * so the rewritten days are mostly old ones that see few writes; run redactions off-peak if that
 * gap matters. Redactions are serialised per process (one temporary table per table name).
 */

/** Every table with per-shop rows: its designated timestamp and partitioning (partition names follow it). */
export const SHOP_TABLES: readonly ShopTable[] = [
  { table: "orders", ts: "created_at", by: "DAY" },
  { table: "order_lines", ts: "created_at", by: "DAY" },
  { table: "refunds", ts: "created_at", by: "DAY" },
  { table: "sales_facts", ts: "ts", by: "DAY" },
  { table: "sales_1m", ts: "ts", by: "DAY" },
  { table: "shops", ts: "ts", by: "YEAR" },
];

export interface ShopTable {
  table: string;
  ts: string;
  by: "DAY" | "YEAR";
}

export interface RedactedTable {
  table: string;
  days: string[];
  rowsRemoved: number;
}

async function tableExists(db: QuestDb, table: string): Promise<boolean> {
  const result = await db.exec(`SELECT count() FROM tables() WHERE table_name = ${sqlString(table)}`);
  return result.dataset[0]?.[0] === 1;
}

async function waitForWal(db: QuestDb, table: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await db.rows<{ writerTxn: number; sequencerTxn: number; suspended: boolean }>(
      `SELECT writerTxn, sequencerTxn, suspended FROM wal_tables() WHERE name = ${sqlString(table)}`,
    );
    const row = rows[0];
    if (!row) return;
    if (row.suspended)
      throw new Error(`QuestDB table ${table} is suspended; resume its WAL before redacting`);
    if (row.writerTxn >= row.sequencerTxn) return;
    if (Date.now() > deadline)
      throw new Error(`QuestDB table ${table}: WAL not applied within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let queue: Promise<unknown> = Promise.resolve();

export function redactShop(
  db: QuestDb,
  platform: string,
  shop: string,
  log: Logger,
  tables: readonly ShopTable[] = SHOP_TABLES,
): Promise<RedactedTable[]> {
  const run = queue.then(() => redactNow(db, platform, shop, log, tables));
  queue = run.catch(() => undefined);
  return run;
}

async function redactNow(
  db: QuestDb,
  platform: string,
  shop: string,
  log: Logger,
  tables: readonly ShopTable[],
): Promise<RedactedTable[]> {
  const ours = `platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}`;
  const report: RedactedTable[] = [];
  for (const { table, ts, by } of tables) {
    if (!(await tableExists(db, table))) continue;
    await waitForWal(db, table);
    const counted = await db.exec<[number]>(`SELECT count() FROM ${table} WHERE ${ours}`);
    const rowsRemoved = counted.dataset[0]?.[0] ?? 0;
    const dayRows = await db.exec<[string]>(
      `SELECT DISTINCT to_str(${ts}, '${by === "DAY" ? "yyyy-MM-dd" : "yyyy"}') FROM ${table} WHERE ${ours}`,
    );
    const days = dayRows.dataset.map((r) => r[0]).sort();
    if (days.length) {
      // All the shop's days in one pass: four statements per table whatever the number of days.
      const aside = `${table}_redact`;
      const inDays = days.map((day) => `${ts} IN ${sqlString(day)}`).join(" OR ");
      await db.exec(`DROP TABLE IF EXISTS ${aside}`);
      await db.exec(`CREATE TABLE ${aside} AS (SELECT * FROM ${table} WHERE (${inDays}) AND NOT (${ours}))`);
      await db.exec(`ALTER TABLE ${table} DROP PARTITION LIST ${days.map(sqlString).join(", ")}`);
      await db.exec(`INSERT INTO ${table} SELECT * FROM ${aside}`);
      await db.exec(`DROP TABLE ${aside}`);
    }
    await waitForWal(db, table);
    report.push({ table, days, rowsRemoved });
    log.info({ shop, table, days: days.length, rowsRemoved }, "shop's rows removed from QuestDB");
  }
  return report;
}

/**
 * customers/redact: the only thing tied to a customer is `customer_key`, a keyed hash of their id.
 * Clearing it on the shop's orders leaves the sales figures and nothing that links them to the person.
 */
export async function redactCustomer(
  db: QuestDb,
  platform: string,
  shop: string,
  key: string,
): Promise<void> {
  if (!(await tableExists(db, "orders"))) return;
  await db.exec(
    `UPDATE orders SET customer_key = NULL WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)} AND customer_key = ${sqlString(key)}`,
  );
}
