import { shopTables } from "../../core/shop-data.ts";

/**
 * Behaviour facts and the aggregates the overlay and the "Customer behaviour" dashboard read.
 * WAL tables with DEDUP UPSERT KEYS, so a redelivered batch rewrites its rows. A page view's rows are
 * keyed by its start time and id: every batch of the view carries both and rewrites the view's one
 * `page_views` and one `scrolls` row with what is known by then (deeper scroll, longer stay).
 * Behaviour is hot data: kept 90 days. Aggregates are materialized views that QuestDB keeps up to
 * date (a bucket is recomputed when one of its rows is upserted), not sums we maintain by hand.
 * Bots are kept in the facts and left out of the views.
 */
export const BEHAVIOUR_TABLES = [
  `CREATE TABLE IF NOT EXISTS page_views (
    ts TIMESTAMP,
    site SYMBOL,
    shop SYMBOL,
    platform SYMBOL,
    page SYMBOL,
    step SYMBOL,
    path VARCHAR,
    view VARCHAR,
    session VARCHAR,
    visitor VARCHAR,
    viewport_w INT,
    viewport_h INT,
    bot BOOLEAN,
    received_at TIMESTAMP
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(ts, site, view)`,

  // Tables made before the funnel (issue 16) lack the step; IF NOT EXISTS makes this a no-op after.
  `ALTER TABLE page_views ADD COLUMN IF NOT EXISTS step SYMBOL`,

  `CREATE TABLE IF NOT EXISTS clicks (
    ts TIMESTAMP,
    site SYMBOL,
    shop SYMBOL,
    page SYMBOL,
    view VARCHAR,
    session VARCHAR,
    selector VARCHAR,
    x INT,
    y INT,
    nx DOUBLE,
    ny DOUBLE,
    cell_x INT,
    cell_y INT,
    viewport_w INT,
    rage BOOLEAN,
    dead BOOLEAN,
    bot BOOLEAN
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(ts, site, view, x, y)`,

  `CREATE TABLE IF NOT EXISTS scrolls (
    ts TIMESTAMP,
    site SYMBOL,
    shop SYMBOL,
    page SYMBOL,
    view VARCHAR,
    session VARCHAR,
    max_depth INT,
    page_height INT,
    depth_pct DOUBLE,
    duration_ms LONG,
    left_page BOOLEAN,
    bot BOOLEAN
  ) TIMESTAMP(ts) PARTITION BY DAY TTL 90 DAYS WAL
  DEDUP UPSERT KEYS(ts, site, view)`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS click_cells_1h AS (
    SELECT ts, site, page, selector, cell_x, cell_y, count() clicks,
      sum(CASE WHEN rage THEN 1 ELSE 0 END) rage, sum(CASE WHEN dead THEN 1 ELSE 0 END) dead
    FROM clicks WHERE bot = false SAMPLE BY 1h
  ) PARTITION BY DAY TTL 90 DAYS`,

  `CREATE MATERIALIZED VIEW IF NOT EXISTS scroll_reach_1h AS (
    SELECT ts, site, page, count() views,
      sum(CASE WHEN depth_pct >= 25 THEN 1 ELSE 0 END) reached_25,
      sum(CASE WHEN depth_pct >= 50 THEN 1 ELSE 0 END) reached_50,
      sum(CASE WHEN depth_pct >= 75 THEN 1 ELSE 0 END) reached_75,
      sum(CASE WHEN depth_pct >= 99.5 THEN 1 ELSE 0 END) reached_100
    FROM scrolls WHERE bot = false SAMPLE BY 1h
  ) PARTITION BY DAY TTL 90 DAYS`,
];

export const BEHAVIOUR_FACT_TABLES = ["page_views", "clicks", "scrolls"];

/**
 * Which of these hold a shop's rows (for shop/redact). `clicks` and `scrolls` carry the site and the
 * shop but no platform, so their shop's rows are found through the sites its `page_views` name; they
 * come first so that `page_views` still holds those sites while they are redacted, a rerun included.
 */
export const BEHAVIOUR_SHOP_TABLES = shopTables([
  { table: "clicks", ts: "ts", by: "DAY", sitesFrom: "page_views" },
  { table: "scrolls", ts: "ts", by: "DAY", sitesFrom: "page_views" },
  { table: "page_views", ts: "ts", by: "DAY" },
]);
export const BEHAVIOUR_VIEWS = ["click_cells_1h", "scroll_reach_1h"];
