import { CHOSEN_SHOPS } from "../../grafana/sql/chosen.ts";
import { change, localDayStart, localSameTime, NOW, shiftLocalDays } from "../../grafana/sql/local-day.ts";

/**
 * Several shops at once, as QuestDB SQL: the shops chosen by the multi-value variables `$platform` and
 * `$shop` (several, or All: see chosen.ts), each counting "today" from its own local midnight (its
 * zone comes from `shops`, row by row). Money is never added across currencies: every money figure is
 * grouped by the currency its `sales_1m` row is in, so the view shows one row or series per currency.
 * Counts (orders) add up across shops.
 */
const ZONE = "s.timezone";

/** The chosen shops with their zones. `shops` holds one row per shop. */
const SELECTED_SHOPS = `SELECT platform, shop, timezone FROM shops WHERE ${CHOSEN_SHOPS}`;

/** Minor units per major unit of each currency, as the shop directory records it (ISO 4217 exponent). */
const UNITS =
  "SELECT currency, max(minor_per_unit) AS minor FROM shops WHERE currency IS NOT NULL GROUP BY currency";
const units = (alias: string) => `coalesce(${alias}.minor, 100)`;

/**
 * Minute windows of the chosen shops, each row with its shop's zone (`s.timezone`). The span back to
 * the start of the same day last week is at most 7 local days and a (DST-long) day before now: nine
 * days always cover it.
 */
const SALES_OF_SELECTED = `sales_1m m
  JOIN (${SELECTED_SHOPS}) s ON m.platform = s.platform AND m.shop = s.shop
  WHERE m.ts >= dateadd('d', -9, ${NOW}) AND m.ts < ${NOW}`;

const inSpan = (daysBack: number) =>
  `m.ts >= ${localDayStart(daysBack, ZONE)} AND m.ts < ${localSameTime(daysBack, ZONE)}`;
const sumIn = (daysBack: number, column: string) =>
  `sum(CASE WHEN ${inSpan(daysBack)} THEN m.${column} ELSE 0 END) AS ${column}_${daysBack}`;

/** Orders of today, the same time yesterday and last week: counts, which add up across currencies. */
const ORDER_SUMS = [0, 1, 7].map((k) => sumIn(k, "orders"));
/** Revenue of the three spans and today's refunds and net, in minor units: never without the currency. */
const MONEY_SUMS = [
  ...ORDER_SUMS,
  ...[0, 1, 7].map((k) => sumIn(k, "revenue_minor")),
  sumIn(0, "refunds_minor"),
  sumIn(0, "net_minor"),
];

/**
 * Totals of today and the same time yesterday and last week (columns `<column>_<daysBack>`), each
 * shop over its own local day, grouped by `keys`.
 */
function spanSums(keys: string[], sums: string[]): string {
  return `SELECT ${[...keys, ...sums].join(",\n    ")}
  FROM ${SALES_OF_SELECTED}${keys.length ? `\n  GROUP BY ${keys.join(", ")}` : ""}`;
}

/** Money columns of a row of span sums `t`, in major units of its currency (`u.minor`). */
function moneyColumns(): string {
  const money = (column: string) => `cast(t.${column} AS double) / ${units("u")}`;
  return [
    `${money("revenue_minor_0")} AS "Revenue today"`,
    `${money("revenue_minor_1")} AS "Yesterday same time"`,
    `${money("revenue_minor_7")} AS "Last week same time"`,
    `${change("t.revenue_minor_0", "t.revenue_minor_1")} AS "vs yesterday"`,
    `${change("t.revenue_minor_0", "t.revenue_minor_7")} AS "vs last week"`,
    `t.orders_0 AS "Orders"`,
    `CASE WHEN t.orders_0 > 0 THEN ${money("revenue_minor_0")} / t.orders_0 END AS "AOV"`,
    `${money("refunds_minor_0")} AS "Refunds"`,
    `${money("net_minor_0")} AS "Net revenue"`,
  ].join(",\n  ");
}

/** One row per currency: the chosen shops' revenue today against the same time yesterday and last week. */
export function currencyTable(): string {
  return `SELECT t.currency AS "Currency",
  ${moneyColumns()}
FROM (${spanSums(["m.currency"], MONEY_SUMS)}) t
LEFT JOIN (${UNITS}) u ON u.currency = t.currency
ORDER BY "Currency"`;
}

/** One row per shop, in its own currency: where each currency's total comes from. */
export function shopTable(): string {
  return `SELECT t.platform AS "Platform", t.shop AS "Shop", t.currency AS "Currency", t.timezone AS "Time zone",
  ${moneyColumns()}
FROM (${spanSums(["m.platform", "m.shop", "m.currency", "s.timezone"], MONEY_SUMS)}) t
LEFT JOIN (${UNITS}) u ON u.currency = t.currency
ORDER BY "Platform", "Shop", "Currency"`;
}

/** Orders today across the chosen shops (counts add up), against the same time yesterday and last week. */
export function ordersComparison(): string {
  const orders = (daysBack: number) => `coalesce(t.orders_${daysBack}, 0)`;
  return `SELECT ${orders(0)} AS "Today",
  ${change(orders(0), orders(1))} AS "vs yesterday",
  ${change(orders(0), orders(7))} AS "vs last week"
FROM (${spanSums([], ORDER_SUMS)}) t`;
}

/**
 * Cumulative revenue through the local day, one series per currency (the `currency` column becomes the
 * series' label). Each shop's minutes are moved onto today's axis by whole local days of its own zone,
 * so a currency's curve at 10:00 adds each of its shops' revenue up to that shop's 10:00 that day.
 */
export function currencyRevenueCurve(daysBack: 0 | 1 | 7, label: string): string {
  const end = daysBack ? localDayStart(daysBack - 1, ZONE) : NOW;
  return `SELECT c.time AS time, c.currency AS currency, cast(c.cumulative AS double) / ${units("u")} AS "${label}"
FROM (
  SELECT time, currency, sum(revenue) OVER (PARTITION BY currency ORDER BY time) AS cumulative
  FROM (
    SELECT ${shiftLocalDays("m.ts", daysBack, ZONE)} AS time, m.currency AS currency, sum(m.revenue_minor) AS revenue
    FROM ${SALES_OF_SELECTED} AND m.ts >= ${localDayStart(daysBack, ZONE)} AND m.ts < ${end}
    GROUP BY time, currency
  )
) c
LEFT JOIN (${UNITS}) u ON u.currency = c.currency
ORDER BY time, currency`;
}

/** Orders placed per minute across the chosen shops, averaged over each of Grafana's intervals. */
export function ordersPerMinuteAll(): string {
  return `SELECT ts AS time, sum(orders_created) * 60000.0 / $__interval_ms AS "Orders per minute"
FROM sales_1m
WHERE ${CHOSEN_SHOPS} AND $__timeFilter(ts)
SAMPLE BY $__sampleByInterval FILL(0) ALIGN TO CALENDAR`;
}
