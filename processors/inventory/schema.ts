import { shopTables } from "../../core/shop-data.ts";

/**
 * Inventory tables. Reports and the item → SKU map are facts as the platform sent them; levels and
 * forecasts are computed from facts, keyed so that recomputing writes the same rows again.
 */
export const INVENTORY_TABLES = [
  // One row per stock report (inventory_levels/update), keyed by the platform's inventory item: the
  // SKU is resolved when levels are computed, so a product event arriving later still maps old reports.
  `CREATE TABLE IF NOT EXISTS inventory_reports (
    updated_at TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    inventory_item_id SYMBOL,
    location_id SYMBOL,
    sku SYMBOL,
    available LONG,
    received_at TIMESTAMP
  ) TIMESTAMP(updated_at) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(updated_at, platform, shop, inventory_item_id, location_id)`,

  // Which SKU an inventory item holds, from product events. Reference data, not a time series: no
  // TTL, because a product nobody edited for 90 days still needs its stock mapped.
  `CREATE TABLE IF NOT EXISTS inventory_items (
    updated_at TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    inventory_item_id SYMBOL,
    sku SYMBOL,
    product_id VARCHAR,
    variant_id VARCHAR
  ) TIMESTAMP(updated_at) PARTITION BY MONTH WAL
  DEDUP UPSERT KEYS(updated_at, platform, shop, inventory_item_id)`,

  // The level per SKU and location as of `ts` (its report, or the last unreported sale taken off it).
  `CREATE TABLE IF NOT EXISTS inventory_levels (
    ts TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    sku SYMBOL,
    location_id SYMBOL,
    inventory_item_id SYMBOL,
    reported LONG,
    reported_at TIMESTAMP,
    unreported_sold LONG,
    available LONG
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(ts, platform, shop, sku, location_id)`,

  // One row per SKU per computation minute: velocity, ETA, reorder point. A `retired` row says the
  // SKU is no longer tracked (its reports now belong to another SKU, or it has neither stock nor sales).
  `CREATE TABLE IF NOT EXISTS stockout_forecast (
    ts TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    sku SYMBOL,
    available LONG,
    locations INT,
    velocity_per_hour DOUBLE,
    rate_24h DOUBLE,
    rate_7d DOUBLE,
    burst_cap DOUBLE,
    daily_sigma DOUBLE,
    lead_time_days DOUBLE,
    safety_stock DOUBLE,
    reorder_point DOUBLE,
    eta_hours DOUBLE,
    stockout_at TIMESTAMP,
    retired BOOLEAN
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(ts, platform, shop, sku)`,
];

/** Which of these tables hold a shop's rows (for shop/redact): all four. */
export const INVENTORY_SHOP_TABLES = shopTables([
  { table: "inventory_reports", ts: "updated_at", by: "DAY" },
  { table: "inventory_items", ts: "updated_at", by: "MONTH" },
  { table: "inventory_levels", ts: "ts", by: "DAY" },
  { table: "stockout_forecast", ts: "ts", by: "DAY" },
]);
