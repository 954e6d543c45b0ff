import type { ShopTable } from "../core/shop-data.ts";
import { ALERT_SHOP_TABLES } from "../alerting/history.ts";
import type { PlatformModule } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import { BEHAVIOUR_SHOP_TABLES } from "../processors/behaviour/schema.ts";
import { DATA_HEALTH_SHOP_TABLES } from "../processors/fetchers/runs.ts";
import { INVENTORY_SHOP_TABLES } from "../processors/inventory/schema.ts";
import { ORDER_SHOP_TABLES } from "../processors/orders/schema.ts";
import { LABEL_ORDER_SHOP_TABLES } from "../processors/shipments/label-orders.ts";
import { RECEIPT_SHOP_TABLES } from "../processors/receipts/schema.ts";
import { SALES_SHOP_TABLES } from "../processors/sales/schema.ts";

/**
 * Every table that holds a shop's rows, as the modules that create them declare: the processors'
 * and alerting's shared tables, then each source's own. `shop/redact` removes the shop from these.
 */
export function shopDataTables(modules: readonly PlatformModule[] = platforms): readonly ShopTable[] {
  const all = [
    ...ORDER_SHOP_TABLES,
    ...SALES_SHOP_TABLES,
    ...INVENTORY_SHOP_TABLES,
    ...ALERT_SHOP_TABLES,
    ...DATA_HEALTH_SHOP_TABLES,
    ...RECEIPT_SHOP_TABLES,
    ...BEHAVIOUR_SHOP_TABLES,
    ...LABEL_ORDER_SHOP_TABLES,
    ...modules.flatMap((m) => m.shopData ?? []),
  ];
  const seen = new Set<string>();
  for (const { table } of all) {
    if (seen.has(table)) throw new ShopDataMisdeclared(table, "is declared twice");
    seen.add(table);
  }
  for (const [i, { table, sitesFrom }] of all.entries()) {
    if (!sitesFrom) continue;
    const source = all.findIndex((t) => t.table === sitesFrom);
    // Later, so a rerun after a crash still finds the sites; without sitesFrom, so they are there.
    if (source <= i || all[source]!.sitesFrom)
      throw new ShopDataMisdeclared(table, `takes its sites from ${sitesFrom}, not declared after it`);
  }
  return all;
}

/** A declaration shop/redact could not follow soundly: caught at start-up, not mid-redaction. */
export class ShopDataMisdeclared extends Error {
  readonly table: string;

  constructor(table: string, what: string) {
    super(`shop data: table ${table} ${what}`);
    this.name = "ShopDataMisdeclared";
    this.table = table;
  }
}
