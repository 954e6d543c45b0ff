import { chosen, CHOICE_QUERIES } from "./chosen.ts";
import {
  change,
  LAST_YEAR_DAYS,
  localDayStart,
  localSameTime,
  NOW,
  shiftLocalDays,
  SPANS,
} from "./local-day.ts";

/**
 * The live-sales metrics for one shop as QuestDB SQL, defined once for every panel that shows one
 * shop. `$shop` is the chosen shop and `${shop_platform}`, `${tz}`, `${minor}` are hidden dashboard
 * variables read from `shops` (its platform, IANA zone and minor units per major unit): every filter
 * names platform and shop, since a shop is only unique within its platform. `$__toTime`,
 * `$__timeFilter(...)`, `$__sampleByInterval` are the QuestDB data source's macros.
 * Windows are minutes: a span includes the minute windows that start before its end.
 */
/** The one shop chosen: its name enters the SQL through the `sqlstring` format (quotes doubled). */
export const ONE_SHOP = "platform = '${shop_platform}' AND shop = ${shop:sqlstring}";
const SHOP = ONE_SHOP;
const TZ = "'${tz}'";
const MINOR = "${minor}";

/** One row of totals for local midnight → now, `daysBack` days back. */
export function spanTotals(daysBack: number): string {
  const sum = (column: string) => `coalesce(sum(${column}), 0) AS ${column}`;
  return `SELECT ${[
    "orders",
    "orders_created",
    "revenue_minor",
    "refunds_minor",
    "net_minor",
    "items",
    "checkouts",
  ]
    .map(sum)
    .join(", ")}
  FROM sales_1m
  WHERE ${SHOP} AND ts >= ${localDayStart(daysBack, TZ)} AND ts < ${localSameTime(daysBack, TZ)}`;
}

const money = (minor: string) => `cast(${minor} AS double) / ${MINOR}`;

/**
 * Each metric from a row of span totals (alias `p`). AOV = revenue / orders over the same span;
 * conversion = orders placed / checkouts started (a fraction). Undefined ratios are NULL, not 0.
 */
export const METRICS = {
  revenue: { title: "Revenue", sql: (p: string) => money(`${p}.revenue_minor`) },
  orders: { title: "Orders", sql: (p: string) => `${p}.orders` },
  aov: {
    title: "Average order value",
    sql: (p: string) => `CASE WHEN ${p}.orders > 0 THEN ${money(`${p}.revenue_minor`)} / ${p}.orders END`,
  },
  conversion: {
    title: "Checkout conversion",
    sql: (p: string) =>
      `CASE WHEN ${p}.checkouts > 0 THEN cast(${p}.orders_created AS double) / ${p}.checkouts END`,
  },
  net: { title: "Net revenue", sql: (p: string) => money(`${p}.net_minor`) },
} as const;
export type MetricName = keyof typeof METRICS;

/** Today's value of a metric with its change against the same time yesterday, last week and last year. */
export function metricComparison(metric: MetricName): string {
  const m = METRICS[metric].sql;
  return `SELECT ${m("t")} AS "Today",
  ${change(m("t"), m("y"))} AS "vs yesterday",
  ${change(m("t"), m("w"))} AS "vs last week",
  ${change(m("t"), m("l"))} AS "vs last year"
FROM (${spanTotals(0)}) t
CROSS JOIN (${spanTotals(1)}) y
CROSS JOIN (${spanTotals(7)}) w
CROSS JOIN (${spanTotals(LAST_YEAR_DAYS)}) l`;
}

/** Every metric for today and the same time yesterday, last week and last year: one row each. */
export function comparisonTable(): string {
  return SPANS.map(
    ({ daysBack, label }) => `SELECT '${label}' AS "Period",
  ${METRICS.revenue.sql("p")} AS "Revenue",
  ${METRICS.orders.sql("p")} AS "Orders",
  ${METRICS.aov.sql("p")} AS "AOV",
  ${METRICS.conversion.sql("p")} AS "Conversion",
  ${METRICS.net.sql("p")} AS "Net revenue"
FROM (${spanTotals(daysBack)}) p`,
  ).join("\nUNION ALL\n");
}

/**
 * Cumulative revenue through a local day, drawn on today's time axis: yesterday's and last week's
 * curves are shifted forward by one and seven local days (not 24 h), so 10:00 lies over 10:00 across
 * a DST change. Today's curve stops at now; the others run their whole day.
 */
export function revenueCurve(daysBack: 0 | 1 | 7, label: string): string {
  const end = daysBack ? localDayStart(daysBack - 1, TZ) : NOW;
  return `SELECT time, ${money("cumulative")} AS "${label}"
FROM (
  SELECT ${shiftLocalDays("ts", daysBack, TZ)} AS time, sum(revenue_minor) OVER (ORDER BY ts) AS cumulative
  FROM sales_1m
  WHERE ${SHOP} AND ts >= ${localDayStart(daysBack, TZ)} AND ts < ${end}
) ORDER BY time`;
}

/** Orders placed per minute, averaged over each of Grafana's intervals. */
export function ordersPerMinute(): string {
  return `SELECT ts AS time, sum(orders_created) * 60000.0 / $__interval_ms AS "Orders per minute"
FROM sales_1m
WHERE ${SHOP} AND $__timeFilter(ts)
SAMPLE BY $__sampleByInterval FILL(0) ALIGN TO CALENDAR`;
}

/** Best sellers today (store-local) by units, from order lines of live, non-test orders. */
export function topProducts(limit = 10): string {
  return `SELECT sku AS "SKU", sum(quantity) AS "Units", ${money("sum(total_minor)")} AS "Revenue"
FROM order_lines
WHERE ${SHOP} AND created_at >= ${localDayStart(0, TZ)} AND created_at < ${NOW}
  AND test = false AND status = 'sale'
GROUP BY sku
ORDER BY "Units" DESC, "SKU"
LIMIT ${limit}`;
}

/**
 * Dashboard variables, in the order Grafana resolves them: the platforms (several, or All), one shop
 * on them, then what `shops` says of that shop. `shops` holds one row per shop.
 */
export const VARIABLE_QUERIES = {
  ...CHOICE_QUERIES,
  shop_platform: `SELECT platform FROM shops WHERE ${chosen("platform")} AND shop = \${shop:sqlstring}`,
  tz: `SELECT timezone FROM shops WHERE ${SHOP}`,
  minor: `SELECT coalesce(minor_per_unit, 100) FROM shops WHERE ${SHOP}`,
  currency: `SELECT currency FROM shops WHERE ${SHOP}`,
} as const;
