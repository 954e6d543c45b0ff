import type { QuestDb } from "../../core/questdb.ts";
import { shopTables } from "../../core/shop-data.ts";

/**
 * Order facts. WAL tables with DEDUP UPSERT KEYS: a redelivered or replayed event rewrites its row
 * instead of adding one. The designated timestamp must be part of the key, so an order's rows are
 * keyed by its creation time, which never changes for that order.
 */
export const ORDER_TABLES = [
  `CREATE TABLE IF NOT EXISTS orders (
    created_at TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    order_id VARCHAR,
    order_number VARCHAR,
    order_ref VARCHAR,
    updated_at TIMESTAMP,
    cancelled_at TIMESTAMP,
    status SYMBOL,
    financial_status SYMBOL,
    currency SYMBOL,
    total_minor LONG,
    subtotal_minor LONG,
    tax_minor LONG,
    discount_minor LONG,
    shipping_minor LONG,
    line_count INT,
    item_count LONG,
    test BOOLEAN,
    customer_key VARCHAR,
    received_at TIMESTAMP
  ) TIMESTAMP(created_at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(created_at, platform, shop, order_id)`,
  // Tables made before the column existed; their older rows keep it null (the panels fall back).
  `ALTER TABLE orders ADD COLUMN IF NOT EXISTS order_ref VARCHAR`,

  `CREATE TABLE IF NOT EXISTS order_lines (
    created_at TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    order_id VARCHAR,
    line_id VARCHAR,
    sku SYMBOL,
    product_id VARCHAR,
    variant_id VARCHAR,
    quantity LONG,
    unit_price_minor LONG,
    total_minor LONG,
    currency SYMBOL,
    status SYMBOL,
    test BOOLEAN,
    updated_at TIMESTAMP
  ) TIMESTAMP(created_at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(created_at, platform, shop, order_id, line_id)`,

  `CREATE TABLE IF NOT EXISTS refunds (
    created_at TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    refund_id VARCHAR,
    order_id VARCHAR,
    currency SYMBOL,
    amount_minor LONG,
    units LONG,
    received_at TIMESTAMP
  ) TIMESTAMP(created_at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(created_at, platform, shop, refund_id)`,
];

/** Which of these tables hold a shop's rows (for shop/redact): all three. */
export const ORDER_SHOP_TABLES = shopTables([
  { table: "orders", ts: "created_at", by: "DAY" },
  { table: "order_lines", ts: "created_at", by: "DAY" },
  { table: "refunds", ts: "created_at", by: "DAY" },
]);

export async function ensureTables(db: QuestDb, ddl: readonly string[]): Promise<void> {
  for (const statement of ddl) await db.exec(statement);
}
