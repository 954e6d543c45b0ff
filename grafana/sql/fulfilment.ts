import { ORDER_ROW_REF_SQL } from "../../core/order-ref.ts";
import { SHIPMENT_ROLLUP, TRACKING_ROLLUP } from "../../processors/shipments/rollups.ts";
import { aroundRange, SHIPPING_MATCH_DAYS, withinDays } from "./order-match.ts";
import { rollupRows } from "./rollup-range.ts";

/**
 * The SQL of the "Fulfilment" dashboard, in Grafana's QuestDB dialect (`$__timeFilter`, see
 * interpolate.ts). A label belongs to the order named by its reference (ShipStation `orderNumber`),
 * both sides stored by the rule of core/order-ref.ts, so Shopify's `#1001` and a label's `1001`
 * meet. The panels that need both sides read `label_orders`, where the shipment processor keeps
 * each label beside its order (processors/shipments/label-matcher.ts); the rest read labels alone.
 * Money stays per currency and is shown in major units of it. Panels that only add labels or
 * tracking steps up read the daily and hourly rollups (processors/shipments/rollups.ts) for the
 * range's whole days and hours and the facts for its partial hours, so a long range stays cheap and
 * the figures stay exact.
 */

/** Minor units per major unit for the currencies shippers bill in (zero- and three-decimal ones named). */
const perUnit = (currency: string) =>
  `CASE WHEN ${currency} IN ('JPY','KRW','VND','CLP','ISK','UGX') THEN 1 WHEN ${currency} IN ('KWD','BHD','OMR','JOD','TND','IQD','LYD') THEN 1000 ELSE 100 END`;

/**
 * Live labels, only their `columns`, bought within `days` of the range (`SHIPPING_MATCH_DAYS` unless
 * told): a constant bound on `shipments`' designated timestamp, so only those partitions are read
 * whatever the store's age, and a label ships within that many days of being bought (order-match.ts).
 * `where` narrows them further (shipped in the range, outbound). They are the left side of the
 * tracking joins: QuestDB hashes the right side, and a range's parcels' newest steps are fewer rows
 * than its labels with every column.
 */
const liveLabels = (columns: string, where: string, days = SHIPPING_MATCH_DAYS) => `(SELECT ${columns}
  FROM shipments WHERE voided_at IS NULL AND ${aroundRange("created_at", "$__fromTime", "$__toTime", days)}
    AND ${where})`;
/** Live labels of the range: the rollups' whole days and hours, and the facts at the range's ends. */
const labelsInRange = rollupRows(SHIPMENT_ROLLUP);

/** Table: labels bought in the range per shipper, carrier and service; returns apart; cost per currency. */
export const SHIPMENTS_BY_CARRIER = `SELECT shipper, carrier, service, currency, sum(labels) AS labels,
  sum(returns) AS returns,
  round(sum(label_cost_minor) * 1.0 / ${perUnit("currency")}, 3) AS label_cost
FROM ${labelsInRange}
GROUP BY shipper, carrier, service, currency
ORDER BY labels DESC, shipper, carrier, service`;

/** Outbound labels shipped in the range, with the order they belong to (the window of TIME_TO_SHIP). */
const shippedInRange = `FROM label_orders
  WHERE voided_at IS NULL AND NOT is_return AND $__timeFilter(shipped_at)
    AND ${aroundRange("created_at", "$__fromTime", "$__toTime", SHIPPING_MATCH_DAYS)}
    AND ${withinDays("created_at", "shipped_at", SHIPPING_MATCH_DAYS)}
    AND shipped_at >= order_created_at AND order_created_at >= dateadd('d', -${SHIPPING_MATCH_DAYS}, shipped_at)`;

/** Per carrier, how many parcels took each tenth of an hour from order to shipped, counted up in that order. */
const shipTimes = `(SELECT carrier, tenths, sum(parcels) OVER (PARTITION BY carrier ORDER BY tenths) AS up_to,
    sum(parcels) OVER (PARTITION BY carrier) AS shipped
  FROM (SELECT carrier, round(datediff('s', order_created_at, shipped_at) / 360.0) AS tenths, count() AS parcels
    ${shippedInRange}
    GROUP BY carrier, tenths))`;

/**
 * Table: hours from order to shipped, median and 90th percentile per carrier (outbound labels only),
 * from `label_orders` (each label beside the order it names, written by the shipment processor):
 * one table read by its designated timestamp, no join. Labels bought within `SHIPPING_MATCH_DAYS`
 * of the range, shipped within that of being bought and of the order (order-match.ts).
 * The percentiles are exact at the tenth of an hour the panel shows (nearest rank over each
 * parcel's time rounded to it), from a histogram of those tenths: counting rows into a few thousand
 * buckets costs a third of feeding every row to `approx_percentile` twice.
 */
export const TIME_TO_SHIP = `SELECT carrier, max(shipped) AS shipped,
  min(CASE WHEN up_to >= 0.5 * shipped THEN tenths END) / 10.0 AS p50_hours,
  min(CASE WHEN up_to >= 0.9 * shipped THEN tenths END) / 10.0 AS p90_hours
FROM ${shipTimes}
GROUP BY carrier
ORDER BY carrier`;

/**
 * Table: orders of the range that count as sales and have no live label yet, oldest first, with
 * their wait. A label counts once the shipment processor matched it with the order (`label_orders`,
 * bought within `SHIPPING_MATCH_DAYS` of it), so only those days of labels are read, and only the
 * labels of the range's orders are hashed for the join. An order is known there by its id and its
 * creation time to the microsecond, which together name one order of one shop: joining on the
 * shop's and platform's symbols instead costs half as much again (QuestDB compares two tables'
 * symbols as strings).
 */
export const AWAITING_SHIPMENT = `SELECT o.platform, o.shop, o.order_id, o.ref AS order_number, o.created_at,
  round(datediff('s', o.created_at, now()) / 3600.0, 1) AS waiting_hours
FROM (SELECT platform, shop, order_id, created_at, ${ORDER_ROW_REF_SQL} AS ref FROM orders
  WHERE $__timeFilter(created_at) AND order_number IS NOT NULL AND status = 'sale' AND NOT test) o
LEFT JOIN (SELECT order_id, order_created_at FROM label_orders
  WHERE voided_at IS NULL AND ${aroundRange("created_at", "$__fromTime", "$__toTime", SHIPPING_MATCH_DAYS)}
    AND $__timeFilter(order_created_at)) l
  ON o.order_id = l.order_id AND o.created_at = l.order_created_at
WHERE l.order_id IS NULL
ORDER BY o.created_at
LIMIT 200`;

/** Time series: label cost per (UTC) day and carrier, one series per currency. */
export const LABEL_COST_SERIES = `SELECT timestamp_floor('d', created_at) AS time, carrier, currency,
  sum(label_cost_minor) * 1.0 / ${perUnit("currency")} AS label_cost
FROM ${labelsInRange}
GROUP BY time, carrier, currency
ORDER BY time, carrier, currency`;

/**
 * Time series: tracking steps carriers reported per (UTC) day — parcels delivered, delivery
 * exceptions (FAILURE) and returns to sender (RETURNED) — from the tracking rollups.
 */
export const TRACKING_SERIES = `SELECT timestamp_floor('d', at) AS time,
  sum(delivered) AS delivered, sum(exceptions) AS exceptions, sum(returned) AS returned
FROM ${rollupRows(TRACKING_ROLLUP)}
GROUP BY time
ORDER BY time`;

/**
 * Each parcel's newest tracking step (its status now), of the parcels whose label was bought within
 * `days` before the range: a carrier reports a parcel only after its label exists, so its newest
 * step is among the steps since then, and the steps of older parcels are not read at all.
 */
const parcelsNow = (days = SHIPPING_MATCH_DAYS) => `(SELECT tracking_number, status, eta, delivered_at, at
  FROM tracking_events WHERE at >= dateadd('d', -${days}, $__fromTime)
  LATEST ON at PARTITION BY tracking_number)`;

/**
 * Delivered in the range: bought up to 30 days before shipping, and delivered up to as long after
 * it, so twice the matching window (a parcel on its way longer than that is not counted).
 */
const DELIVERY_DAYS = 2 * SHIPPING_MATCH_DAYS;

/** Table: hours from shipped to delivered, median and 90th percentile per carrier, for parcels delivered in the range. */
export const TIME_TO_DELIVER = `SELECT s.carrier, count() AS delivered,
  round(approx_percentile(datediff('s', s.shipped_at, t.delivered_at) / 3600.0, 0.5, 3), 1) AS p50_hours,
  round(approx_percentile(datediff('s', s.shipped_at, t.delivered_at) / 3600.0, 0.9, 3), 1) AS p90_hours
FROM ${liveLabels("carrier, shipped_at, tracking_number", "NOT is_return", DELIVERY_DAYS)} s
JOIN ${parcelsNow(DELIVERY_DAYS)} t ON (tracking_number)
WHERE $__timeFilter(t.delivered_at) AND t.delivered_at >= s.shipped_at
GROUP BY s.carrier
ORDER BY s.carrier`;

/** Labels shipped in the range: the parcels the next two panels follow. */
const shippedInRangeLabels = (columns: string) => liveLabels(columns, "$__timeFilter(shipped_at)");

/** Table: parcels past their ETA — delivered after it, or still on the way after it — latest ETA first. */
export const LATE_PARCELS = `SELECT s.shipper, s.carrier, s.ref AS order_number, t.tracking_number, t.status, t.eta, t.delivered_at,
  round(datediff('s', t.eta, coalesce(t.delivered_at, now())) / 3600.0, 1) AS hours_late
FROM ${shippedInRangeLabels("shipper, carrier, order_ref AS ref, tracking_number")} s
JOIN ${parcelsNow()} t ON (tracking_number)
WHERE t.eta IS NOT NULL AND coalesce(t.delivered_at, now()) > t.eta AND t.status NOT IN ('RETURNED', 'FAILURE')
ORDER BY t.eta DESC
LIMIT 200`;

/** Table: delivery exceptions (FAILURE) and returns (RETURNED) per carrier, as parcels' status now. */
export const EXCEPTIONS_AND_RETURNS = `SELECT s.carrier, count() AS parcels,
  sum(CASE WHEN t.status = 'FAILURE' THEN 1 ELSE 0 END) AS exceptions,
  sum(CASE WHEN t.status = 'RETURNED' THEN 1 ELSE 0 END) AS returned,
  round(100.0 * sum(CASE WHEN t.status = 'FAILURE' THEN 1 ELSE 0 END) / count(), 1) AS exception_pct
FROM ${shippedInRangeLabels("carrier, tracking_number")} s
JOIN ${parcelsNow()} t ON (tracking_number)
GROUP BY s.carrier
ORDER BY s.carrier`;

/**
 * Table: what labels cost against what the orders charged for shipping, per shop and currency, for
 * labels bought in the range and matched with an order placed within `SHIPPING_MATCH_DAYS` of them
 * (`label_orders`: the order's charge as it was when its label was matched).
 */
export const COST_VS_CHARGED = `SELECT platform, shop, currency, count() AS orders,
  round(sum(shipping_minor) * 1.0 / ${perUnit("currency")}, 2) AS charged,
  round(sum(label_cost_minor) * 1.0 / ${perUnit("currency")}, 2) AS label_cost,
  round((sum(shipping_minor) - sum(label_cost_minor)) * 1.0 / ${perUnit("currency")}, 2) AS margin
FROM label_orders
WHERE voided_at IS NULL AND NOT is_return AND NOT order_test AND currency = order_currency
  AND $__timeFilter(created_at)
GROUP BY platform, shop, currency
ORDER BY platform, shop, currency`;

export const FULFILMENT_PANELS = {
  "Labels by carrier": SHIPMENTS_BY_CARRIER,
  "Time to ship": TIME_TO_SHIP,
  "Awaiting shipment": AWAITING_SHIPMENT,
  "Label cost per day": LABEL_COST_SERIES,
  "Delivered, exceptions and returns per day": TRACKING_SERIES,
  "Time to deliver": TIME_TO_DELIVER,
  "Late parcels": LATE_PARCELS,
  "Exceptions and returns": EXCEPTIONS_AND_RETURNS,
  "Shipping cost vs charged": COST_VS_CHARGED,
} as const;
