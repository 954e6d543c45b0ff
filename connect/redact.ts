import type { Logger } from "../core/log.ts";
import { sqlString, walApplied, type QuestDb } from "../core/questdb.ts";
import type { ShopTable } from "../core/shop-data.ts";
import { rewriteWithout, tableExists, WalNotApplied, type RewriteHooks } from "./partition-rewrite.ts";
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
  const rewritten = new Set<string>();
  for (const spec of tables) {
    if (!(await tableExists(db, spec.table))) continue;
    const rows = spec.sitesFrom ? await onSitesOf(db, spec.sitesFrom, ours, shop) : ours;
    const { partitions, rowsRemoved, resumed } = await rewriteWithout(db, spec, rows, hooks);
    if (resumed || partitions.length) rewritten.add(spec.table);
    if (resumed) log.warn({ table: spec.table }, "finished a shop redaction an earlier run was cut short in");
    report.push({ table: spec.table, days: partitions, rowsRemoved });
    log.info(
      { shop, table: spec.table, days: partitions.length, rowsRemoved },
      "shop's rows removed from QuestDB",
    );
  }
  await rebuildViewsOver(db, tables, rewritten, log);
  return report;
}

/**
 * Dropping a partition invalidates every materialized view over the table (QuestDB 9.3: "drop
 * partition operation"): the view keeps the removed shop's buckets and stops refreshing for every
 * shop. A full refresh rebuilds it from the table as it now is and makes it valid again; QuestDB
 * runs it in the background, and the view answers with its old rows until it is done. Views over a
 * declared table still invalid are rebuilt too: a run cut short before this point left them so.
 */
async function rebuildViewsOver(
  db: QuestDb,
  tables: readonly ShopTable[],
  rewritten: ReadonlySet<string>,
  log: Logger,
): Promise<void> {
  const declared = new Set(tables.map((t) => t.table));
  const views = await db.exec<[string, string, string]>(
    `SELECT view_name, base_table_name, view_status FROM materialized_views()`,
  );
  for (const [view, base, status] of views.dataset) {
    if (!declared.has(base) || !(rewritten.has(base) || status === "invalid")) continue;
    await db.exec(`REFRESH MATERIALIZED VIEW ${view} FULL`);
    log.info({ view }, "materialized view rebuilt after a shop redaction");
  }
}

/**
 * The predicate for a table without a platform column: the shop's name on one of the sites that
 * `sitesFrom` pairs with its platform and shop (every behaviour batch writes its page view beside its
 * clicks and scroll). A site of another platform's shop of the same name is not among them.
 */
async function onSitesOf(db: QuestDb, sitesFrom: string, ours: string, shop: string): Promise<string> {
  if (!(await tableExists(db, sitesFrom))) return "false";
  if (!(await walApplied(db, [sitesFrom], 60_000))) throw new WalNotApplied(sitesFrom);
  const found = await db.exec<[string]>(
    `SELECT DISTINCT site FROM ${sitesFrom} WHERE ${ours} AND site IS NOT NULL`,
  );
  const sites = found.dataset.map(([site]) => sqlString(site));
  return sites.length ? `shop = ${sqlString(shop)} AND site IN (${sites.join(", ")})` : "false";
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
