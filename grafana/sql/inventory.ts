import { chosen, CHOSEN_SHOPS } from "./chosen.ts";

/**
 * The SQL of the "Inventory" dashboard's panels, in Grafana's QuestDB dialect: `$__timeFilter(ts)` is
 * the dashboard's time range, `$platform` and `$shop` the multi-value variables (several, or All: see
 * chosen.ts). Rows are keyed by platform and shop, and show both.
 */

/** Latest forecast per SKU: a subquery, because LATEST ON must run before the ordering. */
const latestForecast = `(SELECT * FROM (SELECT * FROM stockout_forecast WHERE $__timeFilter(ts) AND ${CHOSEN_SHOPS}
  LATEST ON ts PARTITION BY platform, shop, sku) WHERE NOT retired)`;

/** Table: SKUs by stockout ETA, soonest first; SKUs not selling (no ETA) last. */
export const STOCKOUT_ETA_TABLE = `SELECT platform, shop, sku, available, round(velocity_per_hour * 24, 2) AS units_per_day,
  round(eta_hours, 1) AS eta_hours, stockout_at, ceil(reorder_point) AS reorder_point,
  available <= reorder_point AS reorder_now, ts AS computed_at
FROM ${latestForecast}
ORDER BY eta_hours IS NULL, eta_hours, platform, shop, sku`;

/** Table: SKUs at or below their reorder point (or out of stock), lowest cover first. */
export const LOW_STOCK_TABLE = `SELECT platform, shop, sku, available, ceil(reorder_point) AS reorder_point,
  ceil(reorder_point) - available AS short_by, round(eta_hours, 1) AS eta_hours
FROM ${latestForecast}
WHERE available <= reorder_point OR available <= 0
ORDER BY short_by DESC, platform, shop, sku`;

/** Time series: velocity (units/hour) per SKU, one series per platform, shop and SKU (its labels). */
export const VELOCITY_SERIES = `SELECT ts AS time, platform, shop, sku, avg(velocity_per_hour) AS units_per_hour
FROM stockout_forecast
WHERE $__timeFilter(ts) AND ${CHOSEN_SHOPS} AND NOT retired
SAMPLE BY 1h ALIGN TO CALENDAR
ORDER BY time`;

/** Table: the current level at every location. */
export const LEVELS_BY_LOCATION = `SELECT platform, shop, sku, location_id, available, reported, reported_at, unreported_sold, ts AS as_of
FROM (SELECT * FROM inventory_levels WHERE ${CHOSEN_SHOPS} LATEST ON ts PARTITION BY platform, shop, sku, location_id)
ORDER BY platform, shop, sku, location_id`;

export const INVENTORY_PANELS = {
  "Stockout ETA": STOCKOUT_ETA_TABLE,
  "Low stock": LOW_STOCK_TABLE,
  Velocity: VELOCITY_SERIES,
  "Level by location": LEVELS_BY_LOCATION,
} as const;

/** Platforms and shops that have forecasts; the shops narrowed to the chosen platforms. */
export const INVENTORY_VARIABLE_QUERIES = {
  platform: "SELECT DISTINCT platform FROM stockout_forecast ORDER BY platform",
  shop: `SELECT DISTINCT shop FROM stockout_forecast WHERE ${chosen("platform")} ORDER BY shop`,
} as const;
