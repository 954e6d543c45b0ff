/**
 * The SQL of the "Customer behaviour" dashboard, in Grafana's QuestDB dialect: `$__timeFilter(ts)` is
 * the dashboard's range, `$site` the multi-value site variable (`$__conditionalAll` turns All into
 * `1=1`). Facts come from page_views / scrolls; click and scroll aggregates from the materialized
 * views processors/behaviour/schema.ts creates. Bots are left out everywhere (the views already
 * exclude them).
 */
const SITES = "$__conditionalAll(site IN ($site), $site)";
const HUMANS = `${SITES} AND bot = false`;

export const BEHAVIOUR_VARIABLE_QUERIES = {
  site: "SELECT DISTINCT site FROM page_views ORDER BY site",
};

/** Stat: sessions with a page view begun in the last 30 minutes ("on the site now"). */
export const SESSIONS_NOW = `SELECT count_distinct(session) AS sessions
FROM page_views WHERE ts > dateadd('m', -30, now()) AND ${HUMANS}`;

/** Time series: page views per interval. */
export const PAGE_VIEWS_SERIES = `SELECT ts AS time, count() AS page_views
FROM page_views WHERE $__timeFilter(ts) AND ${HUMANS}
SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;

/** Table: the most viewed pages with sessions, unique visitors (daily hashes) and median time on page. */
export const TOP_PAGES = `SELECT v.site, v.page, v.views, v.sessions, v.visitors, s.avg_seconds
FROM (
  SELECT site, page, count() AS views, count_distinct(session) AS sessions, count_distinct(visitor) AS visitors
  FROM page_views WHERE $__timeFilter(ts) AND ${HUMANS}
) v
LEFT JOIN (
  SELECT site, page, round(avg(duration_ms) / 1000.0, 1) AS avg_seconds
  FROM scrolls WHERE $__timeFilter(ts) AND ${HUMANS}
) s ON v.site = s.site AND v.page = s.page
ORDER BY v.views DESC, v.page
LIMIT 20`;

/** Table: where sessions ended — each session's last page view, counted by page. */
export const EXIT_PAGES = `SELECT site, page, count() AS exits
FROM (
  SELECT session, last(site) AS site, last(page) AS page
  FROM page_views WHERE $__timeFilter(ts) AND ${HUMANS}
  GROUP BY session
)
ORDER BY exits DESC, page
LIMIT 20`;

/** Bar gauge: the share of page views (with a scroll report) that reached each quarter of the page. */
export const SCROLL_FUNNEL = `SELECT
  CASE WHEN sum(views) > 0 THEN cast(sum(reached_25) AS double) / sum(views) END AS "25%",
  CASE WHEN sum(views) > 0 THEN cast(sum(reached_50) AS double) / sum(views) END AS "50%",
  CASE WHEN sum(views) > 0 THEN cast(sum(reached_75) AS double) / sum(views) END AS "75%",
  CASE WHEN sum(views) > 0 THEN cast(sum(reached_100) AS double) / sum(views) END AS "100%"
FROM scroll_reach_1h WHERE $__timeFilter(ts) AND ${SITES}`;

/** Table: elements people rage-click (3 within 30 px and 1 s) or click to no effect. */
export const FRUSTRATED_ELEMENTS = `SELECT * FROM (
  SELECT site, page, selector, sum(rage) AS rage_clicks, sum(dead) AS dead_clicks, sum(clicks) AS clicks
  FROM click_cells_1h WHERE $__timeFilter(ts) AND ${SITES}
  GROUP BY site, page, selector
) WHERE rage_clicks > 0 OR dead_clicks > 0
ORDER BY rage_clicks DESC, dead_clicks DESC, selector
LIMIT 20`;

/** Table: the most clicked elements. */
export const TOP_ELEMENTS = `SELECT site, page, selector, sum(clicks) AS clicks
FROM click_cells_1h WHERE $__timeFilter(ts) AND ${SITES}
GROUP BY site, page, selector
ORDER BY clicks DESC, selector
LIMIT 20`;

/**
 * Stat: orders ÷ sessions over the range, for the shops of the chosen sites. Without the site's
 * permission to use sessionStorage a session is one page load, so this reads low; see docs/behaviour.md.
 */
export const SESSION_CONVERSION = `SELECT CASE WHEN s.sessions > 0 THEN cast(o.orders AS double) / s.sessions END AS conversion
FROM (SELECT count_distinct(session) AS sessions FROM page_views WHERE $__timeFilter(ts) AND ${HUMANS}) s
CROSS JOIN (
  SELECT coalesce(sum(orders), 0) AS orders FROM sales_1m
  WHERE $__timeFilter(ts) AND shop IN (SELECT DISTINCT shop FROM page_views WHERE ${SITES})
) o`;

/** Sessions with a page view of one funnel step (ingest tags page views by the site's URL patterns). */
const stepSessions = (step: string) =>
  `SELECT count_distinct(session) AS sessions FROM page_views WHERE $__timeFilter(ts) AND ${HUMANS} AND step = '${step}'`;

/**
 * Bar gauge: the funnel over the range — sessions that viewed a product page, the cart, a checkout
 * page, then the checkouts started and orders placed that the sites' shops report (checkout and
 * order webhooks). A hosted checkout (Shopify's) carries no SDK, so the checkout step is whichever
 * source saw more: checkout pages viewed or checkouts started.
 */
export const FUNNEL = `SELECT p.sessions AS "Product page", c.sessions AS "Cart",
  greatest(k.sessions, e.checkouts) AS "Checkout", e.orders AS "Order"
FROM (${stepSessions("product")}) p
CROSS JOIN (${stepSessions("cart")}) c
CROSS JOIN (${stepSessions("checkout")}) k
CROSS JOIN (
  SELECT coalesce(sum(checkouts), 0) AS checkouts, coalesce(sum(orders_created), 0) AS orders FROM sales_1m
  WHERE $__timeFilter(ts) AND shop IN (SELECT DISTINCT shop FROM page_views WHERE ${SITES})
) e`;
