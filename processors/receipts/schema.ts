import { shopTables } from "../../core/shop-data.ts";

/**
 * `webhook_receipts`: when each shop's newest webhook reached ingest, one row per shop (Data health's
 * "last webhook received"). Ingest does no database work, so the processors write it from the events
 * they consume. As in `shops`, the designated timestamp is a constant so (platform, shop) is the whole
 * key: a write replaces the shop's row instead of adding one, and the table stays one row per shop.
 * No TTL: the row is the shop's current state, not a series; `shop/redact` removes it.
 */
export const RECEIPT_ROW_TIMESTAMP = "1970-01-01T00:00:00.000Z";

export const WEBHOOK_RECEIPTS_TABLE = `CREATE TABLE IF NOT EXISTS webhook_receipts (
    ts TIMESTAMP,
    platform SYMBOL,
    shop SYMBOL,
    last_at TIMESTAMP,
    last_type SYMBOL
  ) TIMESTAMP(ts) PARTITION BY YEAR WAL
  DEDUP UPSERT KEYS(ts, platform, shop)`;

export const RECEIPT_SHOP_TABLES = shopTables([{ table: "webhook_receipts", ts: "ts", by: "YEAR" }]);
