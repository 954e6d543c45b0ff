/**
 * The live-sales metrics as QuestDB SQL, defined once for every panel (and any other reader).
 * They are written for Grafana with the QuestDB data source: `$shop`, `${tz}` and `${minor}` are
 * dashboard variables (the shop, its IANA zone and minor units per major unit, from `shops`), and
 * `$__toTime`, `$__timeFilter(...)`, `$__sampleByInterval` are the data source's macros.
 *
 * "Now" is the end of the dashboard's time range, but never later than the clock, so the default
 * range (today) compares up to this minute and a range ending in the past compares as of that moment.
 * "Today" runs from the store's local midnight to now; "same time yesterday" from yesterday's local
 * midnight to the same wall-clock time yesterday; likewise seven days back. QuestDB's `to_timezone` /
 * `to_utc` apply the zone's rules, so a 23- or 25-hour DST day is counted as the store's day.
 * Windows are minutes: a span includes the minute windows that start before its end.
 */
export const NOW = "least(now(), $__toTime)";
const SHOP = "'$shop'";
const TZ = "'${tz}'";
const MINOR = "${minor}";

const localNow = `to_timezone(${NOW}, ${TZ})`;

/** The UTC instant of the store's local midnight `daysBack` days before today. */
export function localDayStart(daysBack: number): string {
  const midnight = `timestamp_floor('d', ${localNow})`;
  return `to_utc(${daysBack ? `dateadd('d', ${-daysBack}, ${midnight})` : midnight}, ${TZ})`;
}

/** The UTC instant of the same local wall-clock time as now, `daysBack` days before. */
export function localSameTime(daysBack: number): string {
  return daysBack ? `to_utc(dateadd('d', ${-daysBack}, ${localNow}), ${TZ})` : NOW;
}

export const SPANS = [
  { daysBack: 0, label: "Today" },
  { daysBack: 1, label: "Same time yesterday" },
  { daysBack: 7, label: "Same time last week" },
] as const;

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
  WHERE shop = ${SHOP} AND ts >= ${localDayStart(daysBack)} AND ts < ${localSameTime(daysBack)}`;
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

/** Relative change as a fraction; NULL when the base is zero or missing. */
function change(now: string, base: string): string {
  return `CASE WHEN ${base} <> 0 THEN (cast(${now} AS double) - ${base}) / abs(${base}) END`;
}

/** Today's value of a metric with its change against the same time yesterday and last week. */
export function metricComparison(metric: MetricName): string {
  const m = METRICS[metric].sql;
  return `SELECT ${m("t")} AS "Today",
  ${change(m("t"), m("y"))} AS "vs yesterday",
  ${change(m("t"), m("w"))} AS "vs last week"
FROM (${spanTotals(0)}) t
CROSS JOIN (${spanTotals(1)}) y
CROSS JOIN (${spanTotals(7)}) w`;
}

/** Every metric for today, the same time yesterday and the same time last week: one row each. */
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
  const time = daysBack ? `to_utc(dateadd('d', ${daysBack}, to_timezone(ts, ${TZ})), ${TZ})` : "ts";
  const end = daysBack ? localDayStart(daysBack - 1) : NOW;
  return `SELECT time, ${money("cumulative")} AS "${label}"
FROM (
  SELECT ${time} AS time, sum(revenue_minor) OVER (ORDER BY ts) AS cumulative
  FROM sales_1m
  WHERE shop = ${SHOP} AND ts >= ${localDayStart(daysBack)} AND ts < ${end}
) ORDER BY time`;
}

/** Orders placed per minute, averaged over each of Grafana's intervals. */
export function ordersPerMinute(): string {
  return `SELECT ts AS time, sum(orders_created) * 60000.0 / $__interval_ms AS "Orders per minute"
FROM sales_1m
WHERE shop = ${SHOP} AND $__timeFilter(ts)
SAMPLE BY $__sampleByInterval FILL(0) ALIGN TO CALENDAR`;
}

/** Best sellers today (store-local) by units, from order lines of live, non-test orders. */
export function topProducts(limit = 10): string {
  return `SELECT sku AS "SKU", sum(quantity) AS "Units", ${money("sum(total_minor)")} AS "Revenue"
FROM order_lines
WHERE shop = ${SHOP} AND created_at >= ${localDayStart(0)} AND created_at < ${NOW}
  AND test = false AND status = 'sale'
GROUP BY sku
ORDER BY "Units" DESC, "SKU"
LIMIT ${limit}`;
}

/** Dashboard variables: the shop, then what `shops` says of it. */
export const VARIABLE_QUERIES = {
  shop: "SELECT shop FROM shops ORDER BY shop",
  tz: `SELECT timezone FROM shops WHERE shop = ${SHOP}`,
  minor: `SELECT coalesce(minor_per_unit, 100) FROM shops WHERE shop = ${SHOP}`,
  currency: `SELECT currency FROM shops WHERE shop = ${SHOP}`,
} as const;
