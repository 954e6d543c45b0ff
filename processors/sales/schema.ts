import { shopTables } from "../../core/shop-data.ts";

/**
 * Live-sales tables. `sales_facts` holds one row per thing that moves a sales figure, keyed by the
 * platform's id and placed at the instant it counts (an order at its creation, a cancellation at its
 * cancellation, a refund at its refund time, a checkout when it started). `sales_1m` is derived from
 * those facts only, one row per shop per UTC minute, so recomputing a window any number of times gives
 * the same row: a redelivery, a crash between write and ack, or a late event cannot double count.
 *
 * `shops` says in which IANA time zone and currency a shop's day is counted. Its designated timestamp
 * is a constant so the shop (its domain, unique across platforms) is the whole key (DEDUP UPSERT needs the timestamp among the keys).
 */
export const SHOP_ROW_TIMESTAMP = "1970-01-01T00:00:00.000Z";

export const SALES_TABLES = [
  `CREATE TABLE IF NOT EXISTS sales_facts (
    ts TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    kind SYMBOL,
    id VARCHAR,
    order_id VARCHAR,
    currency SYMBOL,
    amount_minor LONG,
    items LONG,
    test BOOLEAN,
    updated_at TIMESTAMP
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(ts, platform, shop, kind, id)`,

  `CREATE TABLE IF NOT EXISTS sales_1m (
    ts TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    currency SYMBOL,
    orders_created LONG,
    gross_minor LONG,
    orders_cancelled LONG,
    cancelled_minor LONG,
    orders LONG,
    revenue_minor LONG,
    refunds LONG,
    refunds_minor LONG,
    net_minor LONG,
    items LONG,
    checkouts LONG,
    computed_at TIMESTAMP
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(ts, platform, shop)`,

  `CREATE TABLE IF NOT EXISTS shops (
    ts TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    timezone VARCHAR,
    currency SYMBOL,
    minor_per_unit LONG,
    source SYMBOL,
    updated_at TIMESTAMP
  ) TIMESTAMP(ts) PARTITION BY YEAR WAL
  DEDUP UPSERT KEYS(ts, shop)`,
];

/** Which of these tables hold a shop's rows (for shop/redact): all three. */
export const SALES_SHOP_TABLES = shopTables([
  { table: "sales_facts", ts: "ts", by: "DAY" },
  { table: "sales_1m", ts: "ts", by: "DAY" },
  { table: "shops", ts: "ts", by: "YEAR" },
]);
