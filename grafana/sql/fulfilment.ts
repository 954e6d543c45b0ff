import { ORDER_ROW_REF_SQL } from "../../core/order-ref.ts";
import { SHIPMENT_ROLLUP, TRACKING_ROLLUP } from "../../processors/shipments/rollups.ts";
import { aroundRange, SHIPPING_MATCH_DAYS, withinDays } from "./order-match.ts";
import { rollupRows } from "./rollup-range.ts";

/**
 * The SQL of the "Fulfilment" dashboard, in Grafana's QuestDB dialect (`$__timeFilter`, see
 * interpolate.ts). Shipments join orders by the order's number as the shop named it to the shipper
 * (ShipStation `orderNumber`), both sides stored by the rule of core/order-ref.ts (a label's
 * `order_ref` by the shipper sources, an order's by the orders processor), so Shopify's `#1001`
 * and a label's `1001` meet with no string work at read time.
 * Money stays per currency and is shown in major units of it. Panels that only add labels or
 * tracking steps up read the daily and hourly rollups (processors/shipments/rollups.ts) for the
 * range's whole days and hours and the facts for its partial hours, so a long range stays cheap and
 * the figures stay exact.
 */

/** Minor units per major unit for the currencies shippers bill in (zero- and three-decimal ones named). */
const perUnit = (currency: string) =>
  `CASE WHEN ${currency} IN ('JPY','KRW','VND','CLP','ISK','UGX') THEN 1 WHEN ${currency} IN ('KWD','BHD','OMR','JOD','TND','IQD','LYD') THEN 1000 ELSE 100 END`;

const liveShipments = `(SELECT *, order_ref AS ref FROM shipments WHERE voided_at IS NULL)`;
const orderRefs = `(SELECT platform, shop, order_id, created_at, status, test, ${ORDER_ROW_REF_SQL} AS ref FROM orders WHERE order_number IS NOT NULL)`;

/** Live labels of the range: the rollups' whole days and hours, and the facts at the range's ends. */
const labelsInRange = rollupRows(SHIPMENT_ROLLUP);

/** Table: labels bought in the range per shipper, carrier and service; returns apart; cost per currency. */
export const SHIPMENTS_BY_CARRIER = `SELECT shipper, carrier, service, currency, sum(labels) AS labels,
  sum(returns) AS returns,
  round(sum(label_cost_minor) * 1.0 / ${perUnit("currency")}, 3) AS label_cost
FROM ${labelsInRange}
GROUP BY shipper, carrier, service, currency
ORDER BY labels DESC, shipper, carrier, service`;

/**
 * Table: hours from order to shipped, median and 90th percentile per carrier (outbound labels only).
 * `orders` comes first in the join: QuestDB hashes the table on the right, and hashing the range's
 * shipments while reading orders once is several times faster than hashing every order (the same
 * rows; the figures are aggregates, so the order rows are met in does not matter). Both sides are
 * read by their designated timestamps within `SHIPPING_MATCH_DAYS` of the range (order-match.ts):
 * an order shipped more than that after it was placed, or a label shipped more than that from when
 * it was bought, is not counted.
 */
export const TIME_TO_SHIP = `SELECT s.carrier, count() AS shipped,
  round(approx_percentile(datediff('s', o.created_at, s.shipped_at) / 3600.0, 0.5, 3), 1) AS p50_hours,
  round(approx_percentile(datediff('s', o.created_at, s.shipped_at) / 3600.0, 0.9, 3), 1) AS p90_hours
FROM (SELECT created_at, ${ORDER_ROW_REF_SQL} AS ref FROM orders
  WHERE order_number IS NOT NULL AND created_at >= dateadd('d', -${SHIPPING_MATCH_DAYS}, $__fromTime) AND created_at <= $__toTime) o
JOIN (SELECT carrier, shipped_at, order_ref AS ref FROM shipments
  WHERE voided_at IS NULL AND NOT is_return AND $__timeFilter(shipped_at)
    AND ${aroundRange("created_at", "$__fromTime", "$__toTime", SHIPPING_MATCH_DAYS)}
    AND ${withinDays("created_at", "shipped_at", SHIPPING_MATCH_DAYS)}) s ON (ref)
WHERE s.shipped_at >= o.created_at AND o.created_at >= dateadd('d', -${SHIPPING_MATCH_DAYS}, s.shipped_at)
GROUP BY s.carrier
ORDER BY s.carrier`;

/** Table: orders of the range that count as sales and have no label yet, oldest first, with their wait. */
export const AWAITING_SHIPMENT = `SELECT o.platform, o.shop, o.order_id, o.ref AS order_number, o.created_at,
  round(datediff('s', o.created_at, now()) / 3600.0, 1) AS waiting_hours
FROM ${orderRefs} o
LEFT JOIN ${liveShipments} s ON (ref)
WHERE $__timeFilter(o.created_at) AND o.status = 'sale' AND NOT o.test AND s.shipment_id IS NULL
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

/** Each parcel's newest tracking step (its status now), joined with its label for carrier and cost. */
const parcelsNow = `(SELECT tracking_number, status, eta, delivered_at, at FROM tracking_events
  LATEST ON at PARTITION BY tracking_number)`;

/** Table: hours from shipped to delivered, median and 90th percentile per carrier, for parcels delivered in the range. */
export const TIME_TO_DELIVER = `SELECT s.carrier, count() AS delivered,
  round(approx_percentile(datediff('s', s.shipped_at, t.delivered_at) / 3600.0, 0.5, 3), 1) AS p50_hours,
  round(approx_percentile(datediff('s', s.shipped_at, t.delivered_at) / 3600.0, 0.9, 3), 1) AS p90_hours
FROM ${liveShipments} s
JOIN ${parcelsNow} t ON (tracking_number)
WHERE $__timeFilter(t.delivered_at) AND NOT s.is_return AND t.delivered_at >= s.shipped_at
GROUP BY s.carrier
ORDER BY s.carrier`;

/** Table: parcels past their ETA — delivered after it, or still on the way after it — latest ETA first. */
export const LATE_PARCELS = `SELECT s.shipper, s.carrier, s.ref AS order_number, t.tracking_number, t.status, t.eta, t.delivered_at,
  round(datediff('s', t.eta, coalesce(t.delivered_at, now())) / 3600.0, 1) AS hours_late
FROM ${parcelsNow} t
JOIN ${liveShipments} s ON (tracking_number)
WHERE $__timeFilter(s.shipped_at) AND t.eta IS NOT NULL
  AND coalesce(t.delivered_at, now()) > t.eta AND t.status NOT IN ('RETURNED', 'FAILURE')
ORDER BY t.eta DESC
LIMIT 200`;

/** Table: delivery exceptions (FAILURE) and returns (RETURNED) per carrier, as parcels' status now. */
export const EXCEPTIONS_AND_RETURNS = `SELECT s.carrier, count() AS parcels,
  sum(CASE WHEN t.status = 'FAILURE' THEN 1 ELSE 0 END) AS exceptions,
  sum(CASE WHEN t.status = 'RETURNED' THEN 1 ELSE 0 END) AS returned,
  round(100.0 * sum(CASE WHEN t.status = 'FAILURE' THEN 1 ELSE 0 END) / count(), 1) AS exception_pct
FROM ${parcelsNow} t
JOIN ${liveShipments} s ON (tracking_number)
WHERE $__timeFilter(s.shipped_at)
GROUP BY s.carrier
ORDER BY s.carrier`;

/**
 * Table: what labels cost against what the orders charged for shipping, per shop and currency
 * (orders first, as in TIME_TO_SHIP); an order is matched to a label bought within
 * `SHIPPING_MATCH_DAYS` of it, either way, so only those days of `orders` are read.
 */
export const COST_VS_CHARGED = `SELECT o.platform, o.shop, s.currency, count() AS orders,
  round(sum(o.shipping_minor) * 1.0 / ${perUnit("s.currency")}, 2) AS charged,
  round(sum(s.label_cost_minor) * 1.0 / ${perUnit("s.currency")}, 2) AS label_cost,
  round((sum(o.shipping_minor) - sum(s.label_cost_minor)) * 1.0 / ${perUnit("s.currency")}, 2) AS margin
FROM (SELECT platform, shop, currency, shipping_minor, created_at, ${ORDER_ROW_REF_SQL} AS ref FROM orders
  WHERE order_number IS NOT NULL AND NOT test AND ${aroundRange("created_at", "$__fromTime", "$__toTime", SHIPPING_MATCH_DAYS)}) o
JOIN (SELECT created_at, currency, label_cost_minor, order_ref AS ref FROM shipments
  WHERE voided_at IS NULL AND NOT is_return AND $__timeFilter(created_at)) s ON (ref)
WHERE o.currency = s.currency AND ${withinDays("o.created_at", "s.created_at", SHIPPING_MATCH_DAYS)}
GROUP BY o.platform, o.shop, s.currency
ORDER BY o.platform, o.shop, s.currency`;

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
