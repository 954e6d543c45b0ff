import { CHOSEN_SHOPS } from "./chosen.ts";
import { ONE_SHOP } from "./one-shop.ts";

/**
 * The SQL of the "Data health" dashboard: whether our numbers can be trusted, per shop. Rows name
 * platform and shop; `$__timeFilter` is the dashboard's range; `$platform` / `$shop` the choice
 * (several, or All). Reads `reconciliation` (processors/reconcile), `catchup_runs` (the catch-up's
 * rounds) and `orders`.
 */

const notMatch = "CASE WHEN outcome = 'match' THEN 0 ELSE 1 END";
const outcomeIs = (outcome: string) => `CASE WHEN outcome = '${outcome}' THEN 1 ELSE 0 END`;

/** Table: per shop, the last reconciliation and the differences it found, fixed, or could not fix. */
export const RECONCILIATION_BY_SHOP = `SELECT platform, shop, max(checked_at) AS last_reconciliation,
  count() AS days_checked, sum(${notMatch}) AS differences_found, sum(${outcomeIs("fixed")}) AS fixed,
  sum(${outcomeIs("persists")}) AS persisting,
  sum(CASE WHEN outcome = 'match' THEN 0 ELSE abs(theirs_count - ours_count) END) AS orders_apart
FROM reconciliation
WHERE $__timeFilter(checked_at) AND ${CHOSEN_SHOPS}
GROUP BY platform, shop
ORDER BY platform, shop`;

/** Table: every check that found a difference, newest first: the day, both counts, after the re-fetch. */
export const DIFFERENCES = `SELECT checked_at, platform, shop, day, ours_count, theirs_count, refetched,
  ours_after_count, ours_minor, ours_after_minor, currency, outcome
FROM reconciliation
WHERE $__timeFilter(checked_at) AND ${CHOSEN_SHOPS} AND outcome != 'match'
ORDER BY checked_at DESC
LIMIT 500`;

/** Table: per shop, the last catch-up round, orders it re-read and webhooks it turned back on. */
export const CATCH_UP_BY_SHOP = `SELECT platform, shop, max(ts) AS last_catch_up, count() AS rounds,
  sum(events) AS events_re_read, sum(reactivated) AS hooks_re_enabled
FROM catchup_runs
WHERE $__timeFilter(ts) AND ${CHOSEN_SHOPS}
GROUP BY platform, shop
ORDER BY platform, shop`;

/**
 * Table: per shop, the newest order we hold and when it was received. Webhooks and the catch-up
 * both write orders, so a shop whose webhooks stopped shows it here only between catch-up rounds.
 */
export const NEWEST_ORDER_BY_SHOP = `SELECT platform, shop, max(created_at) AS newest_order, max(received_at) AS last_received
FROM orders
WHERE $__timeFilter(created_at) AND ${CHOSEN_SHOPS}
GROUP BY platform, shop
ORDER BY platform, shop`;

/** Live sales' row for its one shop: the last week's reconciliation in one line (a row even when none ran). */
export const ONE_SHOP_HEALTH = `SELECT count() AS days_checked, max(checked_at) AS last_reconciliation,
  sum(${notMatch}) AS differences_found, sum(${outcomeIs("fixed")}) AS fixed,
  sum(${outcomeIs("persists")}) AS persisting
FROM reconciliation
WHERE ${ONE_SHOP} AND checked_at > dateadd('d', -7, now())`;
