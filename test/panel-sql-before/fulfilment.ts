import { ORDER_ROW_REF_SQL } from "../../core/order-ref.ts";
import { aroundRange, SHIPPING_MATCH_DAYS, withinDays } from "../../grafana/sql/order-match.ts";

/**
 * The Fulfilment panels that joined `orders` with `shipments` by reference on every refresh, as
 * they were before `label_orders` (grafana/sql/fulfilment.ts): kept so
 * grafana/sql/fulfilment-rewrite.test.ts can hold the new SQL to the figures of the old.
 */

const perUnit = (currency: string) =>
  `CASE WHEN ${currency} IN ('JPY','KRW','VND','CLP','ISK','UGX') THEN 1 WHEN ${currency} IN ('KWD','BHD','OMR','JOD','TND','IQD','LYD') THEN 1000 ELSE 100 END`;

const liveShipments = `(SELECT *, order_ref AS ref FROM shipments WHERE voided_at IS NULL)`;
const orderRefs = `(SELECT platform, shop, order_id, created_at, status, test, ${ORDER_ROW_REF_SQL} AS ref FROM orders WHERE order_number IS NOT NULL)`;

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

export const AWAITING_SHIPMENT = `SELECT o.platform, o.shop, o.order_id, o.ref AS order_number, o.created_at,
  round(datediff('s', o.created_at, now()) / 3600.0, 1) AS waiting_hours
FROM ${orderRefs} o
LEFT JOIN ${liveShipments} s ON (ref)
WHERE $__timeFilter(o.created_at) AND o.status = 'sale' AND NOT o.test AND s.shipment_id IS NULL
ORDER BY o.created_at
LIMIT 200`;

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

/** The tracking panels as they were before they read only the range's labels and steps. */
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
