import { CHOSEN_SHOPS } from "./chosen.ts";
import { ONE_SHOP } from "./one-shop.ts";

/**
 * The SQL of the "Data health" dashboard: whether our numbers can be trusted, per shop. Rows name
 * platform and shop; `$__timeFilter` is the dashboard's range; `$platform` / `$shop` the choice
 * (several, or All). Reads `reconciliation` (processors/reconcile), `catchup_runs` (the catch-up's
 * rounds), `orders`, `webhook_receipts` (processors/receipts) and `consumer_lag` (processors/lag).
 */

const notMatch = "CASE WHEN outcome = 'match' THEN 0 ELSE 1 END";
const outcomeIs = (outcome: string) => `CASE WHEN outcome = '${outcome}' THEN 1 ELSE 0 END`;

/** Table: per shop, the last reconciliation and the differences it found, fixed, or could not fix. */
export const RECONCILIATION_BY_SHOP = `SELECT platform, shop, max(checked_at) AS last_reconciliation,
  count() AS days_checked, sum(${notMatch}) AS differences_found, sum(${outcomeIs("fixed")}) AS fixed,
  sum(${outcomeIs("persists")}) AS persisting,
  sum(CASE WHEN outcome = 'match' THEN 0 ELSE abs(theirs_count - ours_count) END) AS orders_apart,
  sum(CASE WHEN outcome = 'match' OR theirs_minor IS NULL THEN 0 ELSE abs(theirs_minor - ours_minor) END) AS revenue_apart_minor
FROM reconciliation
WHERE $__timeFilter(checked_at) AND ${CHOSEN_SHOPS}
GROUP BY platform, shop
ORDER BY platform, shop`;

/**
 * Table: every check that found a difference, newest first: the day, both counts and both grosses
 * (theirs empty where the platform gave no gross that day), and ours after the re-fetch.
 */
export const DIFFERENCES = `SELECT checked_at, platform, shop, day, ours_count, theirs_count, refetched,
  ours_after_count, ours_minor, theirs_minor, ours_after_minor, currency, outcome
FROM reconciliation
WHERE $__timeFilter(checked_at) AND ${CHOSEN_SHOPS} AND outcome != 'match'
ORDER BY checked_at DESC
LIMIT 500`;

/**
 * Table: per shop, the last catch-up round and how it ended, rounds stopped (over the store's time or
 * page budget, or failed), orders it re-read and webhooks it turned back on. Rows from before rounds
 * had an outcome read as null, which counts as done.
 */
export const CATCH_UP_BY_SHOP = `SELECT platform, shop, max(ts) AS last_catch_up, last(outcome) AS last_outcome,
  count() AS rounds, sum(CASE WHEN outcome IN ('over_time', 'over_pages', 'failed') THEN 1 ELSE 0 END) AS rounds_stopped,
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

/**
 * Table: per shop, when its newest webhook reached ingest and how long ago, the quietest first (a
 * shop whose hooks the platform disabled sinks to the top). One row per shop whatever the range:
 * the last webhook is as of now. Events read from the API (catch-up, re-fetch) never count here.
 */
export const LAST_WEBHOOK_BY_SHOP = `SELECT platform, shop, last_at AS last_webhook,
  datediff('s', last_at, now()) AS age_seconds, last_type
FROM webhook_receipts
WHERE ${CHOSEN_SHOPS}
ORDER BY last_at, platform, shop`;

/** Live sales' one shop: its last webhook and how long ago (no row until one arrived). */
export const ONE_SHOP_LAST_WEBHOOK = `SELECT last_at AS last_webhook, datediff('s', last_at, now()) AS age_seconds
FROM webhook_receipts
WHERE ${ONE_SHOP}`;

/**
 * Table: per durable consumer, its newest lag sample in the range (messages not yet delivered to it,
 * and delivered but unacknowledged) and the worst backlog seen. Not per shop: JetStream counts a
 * consumer's backlog over its whole stream.
 */
export const CONSUMER_LAG = `SELECT stream, durable, last(ts) AS sampled_at, last(pending) AS pending,
  last(ack_pending) AS ack_pending, max(pending) AS max_pending
FROM consumer_lag
WHERE $__timeFilter(ts)
GROUP BY stream, durable
ORDER BY stream, durable`;

/** Live sales' row for its one shop: the last week's reconciliation in one line (a row even when none ran). */
export const ONE_SHOP_HEALTH = `SELECT count() AS days_checked, max(checked_at) AS last_reconciliation,
  sum(${notMatch}) AS differences_found, sum(${outcomeIs("fixed")}) AS fixed,
  sum(${outcomeIs("persists")}) AS persisting
FROM reconciliation
WHERE ${ONE_SHOP} AND checked_at > dateadd('d', -7, now())`;
