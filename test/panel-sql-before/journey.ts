import { ORDER_ROW_REF_SQL, orderReferenceSql } from "../../core/order-ref.ts";
import { chosen } from "../../grafana/sql/chosen.ts";
import { aroundRange, SHIPPING_MATCH_DAYS } from "../../grafana/sql/order-match.ts";

/**
 * The Order journey as it was before it picked its orders first and bounded payments and tracking
 * by the range (grafana/sql/journey.ts): kept so grafana/sql/fulfilment-rewrite.test.ts can hold
 * the new SQL to the rows of the old.
 */

const orders = `(SELECT platform, shop, order_id, created_at,
    ${ORDER_ROW_REF_SQL} AS number_ref, ${orderReferenceSql("order_id")} AS id_ref
  FROM orders WHERE NOT test)`;
const paid = `(SELECT order_ref AS ref, min(at) AS paid_at, first(processor) AS processor
  FROM payments WHERE kind = 'captured' AND order_ref IS NOT NULL GROUP BY order_ref)`;
const delivered = `(SELECT tracking_number, min(delivered_at) AS delivered_at
  FROM tracking_events WHERE delivered_at IS NOT NULL GROUP BY tracking_number)`;
/**
 * Labels with their delivery, per order: from `label_orders`, where the shipment processor keeps
 * each label beside the order it names (bought within 30 days of it), so only the labels of the
 * range's orders are read instead of every label ever stored. The delivery joins inside: QuestDB
 * 9.3.4 matched nothing when a LEFT JOIN's key came from an earlier LEFT JOIN (checked here).
 */
const shipped = `(SELECT order_id, order_created_at, min(shipped_at) AS shipped_at, first(shipper) AS shipper,
    first(carrier) AS carrier, first(tracking_number) AS tracking_number, min(delivered_at) AS delivered_at
  FROM (SELECT x.order_id, x.order_created_at, x.shipped_at, x.shipper, x.carrier, x.tracking_number, d.delivered_at
    FROM label_orders x LEFT JOIN ${delivered} d ON (tracking_number)
    WHERE x.voided_at IS NULL AND NOT x.is_return
      AND ${aroundRange("x.created_at", "$__fromTime", "$__toTime", SHIPPING_MATCH_DAYS)}
      AND $__timeFilter(x.order_created_at))
  GROUP BY order_id, order_created_at)`;
const zones = `(SELECT shop, last(timezone) AS timezone FROM shops GROUP BY shop)`;

/** The order typed in the box, read by the same rule as the references. */
const typed = orderReferenceSql("${order:sqlstring}");

const hours = (from: string, to: string) => `round(datediff('s', ${from}, ${to}) / 3600.0, 1)`;
// to_timezone of a null time in a zone east of UTC gives a time 290,000 years ago (QuestDB 9.3.4): guarded.
const local = (column: string) =>
  `CASE WHEN ${column} IS NULL THEN NULL ELSE to_timezone(${column}, coalesce(z.timezone, 'UTC')) END`;

/** Table: one row per order, its steps' local times and sources, hours between them, and what is missing. */
export const ORDER_JOURNEY = `SELECT o.platform, o.shop, coalesce(o.number_ref, o.id_ref) AS order_number,
  coalesce(z.timezone, 'UTC') AS time_zone,
  ${local("o.created_at")} AS ordered,
  ${local("coalesce(pi.paid_at, pn.paid_at)")} AS paid, coalesce(pi.processor, pn.processor) AS paid_with,
  ${local("s.shipped_at")} AS shipped, s.shipper, s.carrier, s.tracking_number,
  ${local("s.delivered_at")} AS delivered,
  ${hours("o.created_at", "coalesce(pi.paid_at, pn.paid_at)")} AS hours_to_pay,
  ${hours("o.created_at", "s.shipped_at")} AS hours_to_ship,
  ${hours("s.shipped_at", "s.delivered_at")} AS hours_to_deliver,
  concat(CASE WHEN pi.paid_at IS NULL AND pn.paid_at IS NULL THEN 'paid ' ELSE '' END,
    CASE WHEN s.shipped_at IS NULL THEN 'shipped ' ELSE '' END,
    CASE WHEN s.delivered_at IS NULL THEN 'delivered' ELSE '' END) AS missing
FROM ${orders} o
LEFT JOIN ${paid} pi ON o.id_ref = pi.ref
LEFT JOIN ${paid} pn ON o.number_ref = pn.ref
LEFT JOIN ${shipped} s ON o.order_id = s.order_id AND o.created_at = s.order_created_at
LEFT JOIN ${zones} z ON o.shop = z.shop
WHERE $__timeFilter(o.created_at) AND ${chosen("platform", "o.platform")} AND ${chosen("shop", "o.shop")}
  AND (\${order:sqlstring} = '' OR ${typed} = o.number_ref OR ${typed} = o.id_ref)
ORDER BY o.created_at DESC
LIMIT 500`;
