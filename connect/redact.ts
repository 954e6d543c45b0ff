import type { Logger } from "../core/log.ts";
import { sqlString, type QuestDb } from "../core/questdb.ts";
import type { ShopTable } from "../core/shop-data.ts";
import { rewriteWithout, tableExists, type RewriteHooks } from "./partition-rewrite.ts";
import { shopDataTables } from "./shop-data.ts";

/**
 * shop/redact: removing one shop's rows from every QuestDB table that holds them, as the modules
 * that create the tables declare (connect/shop-data.ts). QuestDB has no row DELETE, so each table's
 * partitions that hold the shop are rewritten without it (connect/partition-rewrite.ts: copy,
 * verify, swap; an interrupted run is finished by the next). Shopify sends shop/redact 48 h after an
 * uninstall and resends it until answered, so a failed run is retried by the next delivery.
 * Redactions are serialised per process (one set of aside tables per table name).
 */

export interface RedactedTable {
  table: string;
  /** The partitions rewritten (days, months or years, as the table is partitioned). */
  days: string[];
  rowsRemoved: number;
}

export interface RedactOptions extends RewriteHooks {
  tables?: readonly ShopTable[];
}

let queue: Promise<unknown> = Promise.resolve();

export function redactShop(
  db: QuestDb,
  platform: string,
  shop: string,
  log: Logger,
  options: RedactOptions = {},
): Promise<RedactedTable[]> {
  const run = queue.then(() => redactNow(db, platform, shop, log, options));
  queue = run.catch(() => undefined);
  return run;
}

async function redactNow(
  db: QuestDb,
  platform: string,
  shop: string,
  log: Logger,
  { tables = shopDataTables(), ...hooks }: RedactOptions,
): Promise<RedactedTable[]> {
  const ours = `platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}`;
  const report: RedactedTable[] = [];
  for (const spec of tables) {
    if (!(await tableExists(db, spec.table))) continue;
    const { partitions, rowsRemoved, resumed } = await rewriteWithout(db, spec, ours, hooks);
    if (resumed) log.warn({ table: spec.table }, "finished a shop redaction an earlier run was cut short in");
    report.push({ table: spec.table, days: partitions, rowsRemoved });
    log.info(
      { shop, table: spec.table, days: partitions.length, rowsRemoved },
      "shop's rows removed from QuestDB",
    );
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
