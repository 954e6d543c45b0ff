import { ORDER_ROW_REF_SQL, orderReferenceSql } from "../../core/order-ref.ts";
import { chosen } from "./chosen.ts";
import { aroundRange, ORDER_MATCH_DAYS, SHIPPING_MATCH_DAYS } from "./order-match.ts";

/**
 * The SQL of the "Order journey" dashboard: each order of the range (or the ones whose number or id
 * is `$order`) with when it was ordered, paid, shipped and delivered, and by which platform,
 * processor and shipper, in the shop's own time zone. Every join is by the order reference rule of
 * core/order-ref.ts: payments carry the order's id (Stripe `metadata.order_id`, PayPal `custom_id`)
 * or its number, labels its number (matched with the order when written, `label_orders`).
 */

/** The order typed in the box, read by the same rule as the references. */
const typed = orderReferenceSql("${order:sqlstring}");

/** The most orders the table lists: the newest of the range. */
const SHOWN = 500;

/**
 * The orders the table lists, picked first: the newest `SHOWN` of the range among the chosen shops
 * (or the typed one), so the joins below only look up their steps. Every join adds at most one row
 * to an order, so picking before joining lists the same orders.
 */
const listed = `(SELECT * FROM (SELECT platform, shop, order_id, created_at,
    ${ORDER_ROW_REF_SQL} AS number_ref, ${orderReferenceSql("order_id")} AS id_ref
  FROM orders WHERE NOT test AND $__timeFilter(created_at)
    AND ${chosen("platform", "platform")} AND ${chosen("shop", "shop")})
  WHERE \${order:sqlstring} = '' OR ${typed} = number_ref OR ${typed} = id_ref
  LIMIT -${SHOWN})`;

/**
 * `days` before the oldest listed order, as a scalar QuestDB works out once and reads by as it reads
 * by a constant: on a busy store the listed orders are the last minutes', so a window of days
 * around them is far less than one around the whole range.
 */
const sinceListed = (days: number) => `(SELECT dateadd('d', -${days}, min(created_at)) FROM o)`;
/**
 * When the oldest listed order was placed: nothing of theirs (a label's order, a delivery) is older.
 * `sinceListed` repeats the subquery because QuestDB 9.3.4 takes no subquery as `dateadd`'s argument.
 */
const OLDEST_LISTED = "(SELECT min(created_at) FROM o)";

/**
 * The first capture of each listed order whose `ref` (`id_ref` or `number_ref`) a payment carries,
 * among the captures within `ORDER_MATCH_DAYS` of the range and of the listed orders (order-match.ts):
 * only those days of `payments` are read.
 */
const paid = (
  ref: "id_ref" | "number_ref",
) => `(SELECT p.order_ref AS ref, min(p.at) AS paid_at, first(p.processor) AS processor
  FROM payments p JOIN o k ON p.order_ref = k.${ref}
  WHERE p.kind = 'captured' AND ${aroundRange("p.at", "$__fromTime", "$__toTime", ORDER_MATCH_DAYS)}
    AND p.at >= ${sinceListed(ORDER_MATCH_DAYS)}
  GROUP BY p.order_ref)`;
/**
 * The listed orders' live outbound labels: from `label_orders`, where the shipment processor keeps
 * each label beside the order it names (bought within 30 days of it). Read by the range's constant
 * bounds and the listed orders' own, then joined with the listed orders themselves, so only their
 * labels go further.
 */
const labelsOfListed = `(SELECT x.order_id, x.order_created_at, x.shipped_at, x.shipper, x.carrier, x.tracking_number
  FROM label_orders x JOIN o k ON x.order_id = k.order_id AND x.order_created_at = k.created_at
  WHERE x.voided_at IS NULL AND NOT x.is_return
    AND ${aroundRange("x.created_at", "$__fromTime", "$__toTime", SHIPPING_MATCH_DAYS)}
    AND x.created_at >= ${sinceListed(SHIPPING_MATCH_DAYS)}
    AND $__timeFilter(x.order_created_at) AND x.order_created_at >= ${OLDEST_LISTED})`;
/**
 * When each of those parcels was delivered: their steps only, since the oldest listed order was
 * placed (a parcel is delivered after its order) and no earlier than `SHIPPING_MATCH_DAYS` before
 * the range, so a busy store's millions of parcels are neither read nor hashed.
 */
const delivered = `(SELECT t.tracking_number, min(t.delivered_at) AS delivered_at
  FROM tracking_events t JOIN l ON t.tracking_number = l.tracking_number
  WHERE t.delivered_at IS NOT NULL AND t.at >= dateadd('d', -${SHIPPING_MATCH_DAYS}, $__fromTime)
    AND t.at >= ${OLDEST_LISTED}
  GROUP BY t.tracking_number)`;
/**
 * Per listed order, its first shipment and delivery. The delivery joins the labels directly:
 * QuestDB 9.3.4 matched nothing when a LEFT JOIN's key came from an earlier LEFT JOIN (checked here).
 */
const shipped = `(SELECT l.order_id, l.order_created_at, min(l.shipped_at) AS shipped_at, first(l.shipper) AS shipper,
    first(l.carrier) AS carrier, first(l.tracking_number) AS tracking_number, min(d.delivered_at) AS delivered_at
  FROM l LEFT JOIN ${delivered} d ON l.tracking_number = d.tracking_number
  GROUP BY l.order_id, l.order_created_at)`;
const zones = `(SELECT shop, last(timezone) AS timezone FROM shops GROUP BY shop)`;

const hours = (from: string, to: string) => `round(datediff('s', ${from}, ${to}) / 3600.0, 1)`;
// to_timezone of a null time in a zone east of UTC gives a time 290,000 years ago (QuestDB 9.3.4): guarded.
const local = (column: string) =>
  `CASE WHEN ${column} IS NULL THEN NULL ELSE to_timezone(${column}, coalesce(z.timezone, 'UTC')) END`;

/** Table: one row per order, its steps' local times and sources, hours between them, and what is missing. */
export const ORDER_JOURNEY = `WITH o AS ${listed},
l AS ${labelsOfListed}
SELECT o.platform, o.shop, coalesce(o.number_ref, o.id_ref) AS order_number,
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
FROM o
LEFT JOIN ${paid("id_ref")} pi ON o.id_ref = pi.ref
LEFT JOIN ${paid("number_ref")} pn ON o.number_ref = pn.ref
LEFT JOIN ${shipped} s ON o.order_id = s.order_id AND o.created_at = s.order_created_at
LEFT JOIN ${zones} z ON o.shop = z.shop
ORDER BY o.created_at DESC`;

export const JOURNEY_PANELS = { "Order journey": ORDER_JOURNEY } as const;
