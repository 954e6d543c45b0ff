import { orderReferenceSql } from "../../core/order-ref.ts";

/**
 * The SQL of the "Fulfilment" dashboard, in Grafana's QuestDB dialect (`$__timeFilter`, see
 * interpolate.ts). Shipments join orders by the order's number as the shop named it to the shipper
 * (ShipStation `orderNumber`); a leading `#` (Shopify's `#1001`) is ignored on both sides.
 * Money stays per currency and is shown in major units of it.
 */

/** Minor units per major unit for the currencies shippers bill in (zero- and three-decimal ones named). */
const perUnit = (currency: string) =>
  `CASE WHEN ${currency} IN ('JPY','KRW','VND','CLP','ISK','UGX') THEN 1 WHEN ${currency} IN ('KWD','BHD','OMR','JOD','TND','IQD','LYD') THEN 1000 ELSE 100 END`;

const liveShipments = `(SELECT *, ${orderReferenceSql("order_ref")} AS ref FROM shipments WHERE voided_at IS NULL)`;
const orderRefs = `(SELECT platform, shop, order_id, created_at, status, test, ${orderReferenceSql("order_number")} AS ref FROM orders WHERE order_number IS NOT NULL)`;

/** Table: labels bought in the range per shipper, carrier and service; returns apart; cost per currency. */
export const SHIPMENTS_BY_CARRIER = `SELECT shipper, carrier, service, currency, count() AS labels,
  sum(CASE WHEN is_return THEN 1 ELSE 0 END) AS returns,
  round(sum(label_cost_minor) * 1.0 / ${perUnit("currency")}, 3) AS label_cost
FROM ${liveShipments}
WHERE $__timeFilter(created_at)
GROUP BY shipper, carrier, service, currency
ORDER BY labels DESC, shipper, carrier, service`;

/** Table: hours from order to shipped, median and 90th percentile per carrier (outbound labels only). */
export const TIME_TO_SHIP = `SELECT s.carrier, count() AS shipped,
  round(approx_percentile(datediff('s', o.created_at, s.shipped_at) / 3600.0, 0.5, 3), 1) AS p50_hours,
  round(approx_percentile(datediff('s', o.created_at, s.shipped_at) / 3600.0, 0.9, 3), 1) AS p90_hours
FROM ${liveShipments} s
JOIN ${orderRefs} o ON (ref)
WHERE $__timeFilter(s.shipped_at) AND NOT s.is_return AND s.shipped_at >= o.created_at
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

/** Time series: label cost per day and carrier, one series per currency. */
export const LABEL_COST_SERIES = `SELECT created_at AS time, carrier, currency,
  sum(label_cost_minor) * 1.0 / ${perUnit("currency")} AS label_cost
FROM ${liveShipments}
WHERE $__timeFilter(created_at)
SAMPLE BY 1d ALIGN TO CALENDAR
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

/** Table: what labels cost against what the orders charged for shipping, per shop and currency. */
export const COST_VS_CHARGED = `SELECT o.platform, o.shop, s.currency, count() AS orders,
  round(sum(o.shipping_minor) * 1.0 / ${perUnit("s.currency")}, 2) AS charged,
  round(sum(s.label_cost_minor) * 1.0 / ${perUnit("s.currency")}, 2) AS label_cost,
  round((sum(o.shipping_minor) - sum(s.label_cost_minor)) * 1.0 / ${perUnit("s.currency")}, 2) AS margin
FROM ${liveShipments} s
JOIN (SELECT platform, shop, currency, shipping_minor, ${orderReferenceSql("order_number")} AS ref FROM orders WHERE order_number IS NOT NULL AND NOT test) o ON (ref)
WHERE $__timeFilter(s.created_at) AND NOT s.is_return AND o.currency = s.currency
GROUP BY o.platform, o.shop, s.currency
ORDER BY o.platform, o.shop, s.currency`;

export const FULFILMENT_PANELS = {
  "Labels by carrier": SHIPMENTS_BY_CARRIER,
  "Time to ship": TIME_TO_SHIP,
  "Awaiting shipment": AWAITING_SHIPMENT,
  "Label cost per day": LABEL_COST_SERIES,
  "Time to deliver": TIME_TO_DELIVER,
  "Late parcels": LATE_PARCELS,
  "Exceptions and returns": EXCEPTIONS_AND_RETURNS,
  "Shipping cost vs charged": COST_VS_CHARGED,
} as const;
