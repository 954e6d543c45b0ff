/**
 * Two years of history (DESIGN "QuestDB": 90 days hot, 2 years in all). The fact tables keep two
 * years; a job (parquet.ts) turns their partitions older than the hot window into Parquet in place,
 * and queries read both kinds alike. Long-range figures come from materialized views over
 * `sales_1m`: it is written by upsert, and QuestDB 9.3.4 recomputes a view's bucket when a row in
 * it is upserted (checked here, and in retention.test.ts), so a recomputed minute reaches its hour
 * and its day without anything of ours in between.
 */

/** Fact tables and their designated timestamp: what the retention job converts. */
export const FACT_TABLES = [
  { table: "orders", ts: "created_at" },
  { table: "order_lines", ts: "created_at" },
  { table: "refunds", ts: "created_at" },
  { table: "sales_facts", ts: "ts" },
  { table: "sales_1m", ts: "ts" },
] as const;

export const HISTORY_TTL = "2 YEARS";

/** Tables made before the two-year rule had 90 days: CREATE IF NOT EXISTS leaves them so. */
export const HISTORY_TTL_DDL = FACT_TABLES.map(({ table }) => `ALTER TABLE ${table} SET TTL ${HISTORY_TTL}`);

/** The sums of `sales_1m` per shop and currency over a coarser bucket (every column adds up). */
const rollup = (sampleBy: string) => `SELECT ts, platform, shop, currency,
    sum(orders_created) orders_created, sum(gross_minor) gross_minor,
    sum(orders_cancelled) orders_cancelled, sum(cancelled_minor) cancelled_minor,
    sum(orders) orders, sum(revenue_minor) revenue_minor,
    sum(refunds) refunds, sum(refunds_minor) refunds_minor, sum(net_minor) net_minor,
    sum(items) items, sum(checkouts) checkouts
  FROM sales_1m SAMPLE BY ${sampleBy}`;

/** Hourly (UTC hours: whole-hour zones add them up into local days) and daily (UTC days). */
export const ROLLUP_VIEWS = [
  `CREATE MATERIALIZED VIEW IF NOT EXISTS sales_1h AS (${rollup("1h")}) PARTITION BY DAY TTL ${HISTORY_TTL}`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS sales_1d AS (${rollup("1d")}) PARTITION BY MONTH TTL ${HISTORY_TTL}`,
];
