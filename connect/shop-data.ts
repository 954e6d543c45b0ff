import type { ShopTable } from "../core/shop-data.ts";
import { ALERT_SHOP_TABLES } from "../alerting/history.ts";
import type { PlatformModule } from "../platforms/adapter.ts";
import { platforms } from "../platforms/index.ts";
import { DATA_HEALTH_SHOP_TABLES } from "../processors/fetchers/runs.ts";
import { INVENTORY_SHOP_TABLES } from "../processors/inventory/schema.ts";
import { ORDER_SHOP_TABLES } from "../processors/orders/schema.ts";
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
    ...modules.flatMap((m) => m.shopData ?? []),
  ];
  const seen = new Set<string>();
  for (const { table } of all) {
    if (seen.has(table)) throw new Error(`shop data: table ${table} is declared twice`);
    seen.add(table);
  }
  return all;
}
