import { CHOSEN_SHOPS } from "./chosen.ts";
import { change, localDayStart, localSameTime, NOW, shiftLocalDays } from "./local-day.ts";

/**
 * Several shops at once, as QuestDB SQL: the shops chosen by the multi-value variables `$platform` and
 * `$shop` (several, or All: see chosen.ts), each counting "today" from its own local midnight (its
 * zone comes from `shops`, row by row). Money is never added across currencies: every money figure is
 * grouped by the currency its `sales_1m` row is in, so the view shows one row or series per currency.
 * Counts (orders) add up across shops.
 */
/** Minor units per major unit of each currency, as the shop directory records it (ISO 4217 exponent). */
const UNITS =
  "SELECT currency, max(minor_per_unit) AS minor FROM shops WHERE currency IS NOT NULL GROUP BY currency";
const units = (alias: string) => `coalesce(${alias}.minor, 100)`;

/** The spans compared: today, the same time yesterday and the same time last week (days back). */
const SPAN_DAYS = [0, 1, 7] as const;

/**
 * The chosen shops with their zones and, worked out once per shop rather than once per minute row,
 * the UTC bounds of each span k days back: `from_k` (local midnight), `to_k` (the same local time as
 * now), `end_k` (the end of that local day, for the revenue curves), and the whole UTC hours inside
 * the span, `hfrom_k` (the first hour after its start) to `hto_k` (the hour its end falls in).
 * Zone arithmetic per `sales_1m` row was what made these panels grow with the rows they read. The
 * GROUP BY keeps the bounds as values (a join reads a plain projection's expressions again for
 * every row it matches); `shops` holds one row per shop, so each `min` is that shop's bound.
 */
const ZONE = "s.timezone";
const BOUNDS = `SELECT s.platform AS platform, s.shop AS shop, s.timezone AS timezone,
    ${SPAN_DAYS.flatMap((k) => {
      const from = localDayStart(k, ZONE);
      const to = localSameTime(k, ZONE);
      return [
        `min(${from}) AS from_${k}`,
        `min(${to}) AS to_${k}`,
        `min(${k ? localDayStart(k - 1, ZONE) : NOW}) AS end_${k}`,
        `min(timestamp_ceil('h', ${from})) AS hfrom_${k}`,
        `min(timestamp_floor('h', ${to})) AS hto_${k}`,
      ];
    }).join(",\n    ")}
  FROM shops s WHERE ${CHOSEN_SHOPS}
  GROUP BY s.platform, s.shop, s.timezone`;

/**
 * `ts` within constant bounds that hold every zone's instants from `hoursBefore` to `hoursAfter`
 * hours around the same time k days back, so QuestDB reads only those rows; the per-shop bounds
 * then keep exactly the span. A local midnight is less than 25 h before the same local time
 * (a DST day), and the same local time k days back less than 1 h from k × 24 h back.
 */
const near = (ts: string, daysBack: number, hoursBefore: number, hoursAfter: number) =>
  `${ts} >= dateadd('h', ${-(24 * daysBack + hoursBefore)}, ${NOW}) AND ${ts} < ${
    24 * daysBack - hoursAfter > 0 ? `dateadd('h', ${-(24 * daysBack - hoursAfter)}, ${NOW})` : NOW
  }`;

/** The `sales_1m` columns a panel adds up: counts alone, or money too (always with its currency). */
const COUNTS = ["orders"];
const MONEY = ["orders", "revenue_minor", "refunds_minor", "net_minor"];
/** Each query that joins the bounds names them once, at its start (the SQL stays short). */
const WITH_BOUNDS = `WITH bounds AS (${BOUNDS})\n`;
const JOIN_BOUNDS = (alias: string) =>
  `JOIN bounds s ON ${alias}.platform = s.platform AND ${alias}.shop = s.shop`;
const part = (span: number, from: string, where: string, columns: string[], nothing = false) =>
  `SELECT m.platform AS platform, m.shop AS shop, m.currency AS currency, s.timezone AS timezone, ${span} AS span, ${columns
    .map((c) => (nothing ? `0L AS ${c}` : `m.${c} AS ${c}`))
    .join(", ")}
    FROM ${from} ${JOIN_BOUNDS("m")}
    WHERE ${where}`;

/** Shops whose local midnight k days back falls inside a UTC hour (zones of :30 and :45 offsets). */
const offHourShops = (k: number) => `SELECT shop FROM bounds WHERE hfrom_${k} != from_${k}`;

/**
 * The chosen shops' hours k days back. Today's are summed afresh from `sales_1m` (SAMPLE BY aligns
 * to the hour): the hourly view's refresh trails the minutes by a moment, and today is what the
 * viewer watches move. Yesterday's and last week's come from `sales_1h` itself, a sixtieth of the
 * rows to read; a late change to one of those minutes (a cancellation) reaches it with the view's
 * next refresh. The window's first and last hours may be partial: both lie outside every span's
 * whole hours.
 */
const hoursOf = (k: number, columns: string[]) =>
  k === 0
    ? `(SELECT ts, platform, shop, currency, ${columns.map((c) => `sum(${c}) AS ${c}`).join(", ")}
      FROM sales_1m WHERE ${near("ts", k, 27, 0)} SAMPLE BY 1h) m`
    : `(SELECT ts, platform, shop, currency, ${columns.join(", ")}
      FROM sales_1h WHERE ${near("ts", k, 27, 2)}) m`;

/**
 * Every `sales_1m` minute of each chosen shop's spans, exactly once, tagged with its span: the whole
 * UTC hours inside the span (a 60th of the rows to join), then the minutes of its last partial hour
 * and, in zones off the hour, of its first. Plus every shop and currency with minutes in the nine
 * days back, with nothing (`span` −1): they are listed with zeros, as when each of the nine days'
 * minutes was read one by one.
 */
function spanRows(withKeys: boolean, columns: string[]): string {
  const parts = SPAN_DAYS.flatMap((k) => [
    part(k, hoursOf(k, columns), `m.ts >= s.hfrom_${k} AND m.ts < s.hto_${k}`, columns),
    part(
      k,
      "sales_1m m",
      `${near("m.ts", k, 3, k ? 2 : 0)} AND m.ts >= s.hto_${k} AND m.ts >= s.from_${k} AND m.ts < s.to_${k}`,
      columns,
    ),
    part(
      k,
      "sales_1m m",
      `${near("m.ts", k, 27, k ? 2 : 0)} AND m.shop IN (${offHourShops(k)})
      AND m.ts >= s.from_${k} AND m.ts < least(s.hfrom_${k}, s.hto_${k})`,
      columns,
    ),
  ]);
  if (withKeys) {
    parts.push(
      part(
        -1,
        `(SELECT DISTINCT platform, shop, currency FROM sales_1m WHERE ts >= dateadd('d', -9, ${NOW}) AND ts < ${NOW}) m`,
        "1=1",
        columns,
        true,
      ),
    );
  }
  return parts.join("\n    UNION ALL\n    ");
}

const sumIn = (daysBack: number, column: string) =>
  `sum(CASE WHEN m.span = ${daysBack} THEN m.${column} ELSE 0 END) AS ${column}_${daysBack}`;

/** Orders of today, the same time yesterday and last week: counts, which add up across currencies. */
const ORDER_SUMS = SPAN_DAYS.map((k) => sumIn(k, "orders"));
/** Revenue of the three spans and today's refunds and net, in minor units: never without the currency. */
const MONEY_SUMS = [
  ...ORDER_SUMS,
  ...SPAN_DAYS.map((k) => sumIn(k, "revenue_minor")),
  sumIn(0, "refunds_minor"),
  sumIn(0, "net_minor"),
];

/**
 * Totals of today and the same time yesterday and last week (columns `<column>_<daysBack>`), each
 * shop over its own local day, grouped by `keys` (of platform, shop, currency, timezone).
 */
function spanSums(keys: string[], sums: string[], columns: string[]): string {
  return `SELECT ${[...keys, ...sums].join(",\n    ")}
  FROM (
    ${spanRows(keys.length > 0, columns)}
  ) m${keys.length ? `\n  GROUP BY ${keys.join(", ")}` : ""}`;
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
  return `${WITH_BOUNDS}SELECT t.currency AS "Currency",
  ${moneyColumns()}
FROM (${spanSums(["m.currency"], MONEY_SUMS, MONEY)}) t
LEFT JOIN (${UNITS}) u ON u.currency = t.currency
ORDER BY "Currency"`;
}

/** One row per shop, in its own currency: where each currency's total comes from. */
export function shopTable(): string {
  return `${WITH_BOUNDS}SELECT t.platform AS "Platform", t.shop AS "Shop", t.currency AS "Currency", t.timezone AS "Time zone",
  ${moneyColumns()}
FROM (${spanSums(["m.platform", "m.shop", "m.currency", "m.timezone"], MONEY_SUMS, MONEY)}) t
LEFT JOIN (${UNITS}) u ON u.currency = t.currency
ORDER BY "Platform", "Shop", "Currency"`;
}

/** Orders today across the chosen shops (counts add up), against the same time yesterday and last week. */
export function ordersComparison(): string {
  const orders = (daysBack: number) => `coalesce(t.orders_${daysBack}, 0)`;
  return `${WITH_BOUNDS}SELECT ${orders(0)} AS "Today",
  ${change(orders(0), orders(1))} AS "vs yesterday",
  ${change(orders(0), orders(7))} AS "vs last week"
FROM (${spanSums([], ORDER_SUMS, COUNTS)}) t`;
}

/**
 * Cumulative revenue through the local day, one series per currency (the `currency` column becomes the
 * series' label). Each shop's minutes are moved onto today's axis by whole local days of its own zone,
 * so a currency's curve at 10:00 adds each of its shops' revenue up to that shop's 10:00 that day.
 */
export function currencyRevenueCurve(daysBack: 0 | 1 | 7, label: string): string {
  // Minutes summed per zone first: the shift onto today's axis is zone arithmetic, done once per
  // zone and minute instead of once per shop and minute.
  return `${WITH_BOUNDS}SELECT c.time AS time, c.currency AS currency, cast(c.cumulative AS double) / ${units("u")} AS "${label}"
FROM (
  SELECT time, currency, sum(revenue) OVER (PARTITION BY currency ORDER BY time) AS cumulative
  FROM (
    SELECT ${shiftLocalDays("z.ts", daysBack, "z.timezone")} AS time, z.currency AS currency, sum(z.revenue) AS revenue
    FROM (
      SELECT m.ts AS ts, s.timezone AS timezone, m.currency AS currency, sum(m.revenue_minor) AS revenue
      FROM sales_1m m ${JOIN_BOUNDS("m")}
      WHERE ${near("m.ts", daysBack, 27, daysBack ? 26 : 0)} AND m.ts >= s.from_${daysBack} AND m.ts < s.end_${daysBack}
      GROUP BY m.ts, s.timezone, m.currency
    ) z
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
