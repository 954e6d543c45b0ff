import { major } from "../../grafana/sql/payments.ts";
import { localDayStart, localSameTime, SPANS } from "../../grafana/sql/local-day.ts";
import { ONE_SHOP } from "../../grafana/sql/one-shop.ts";

/**
 * The Payments panels that join payments with `orders`, as they were before issue 19 bounded the
 * orders side by a matching window (kept verbatim for grafana/sql/payments-rewrite.test.ts): each
 * read every partition of `orders`, whatever the dashboard's range.
 */
const CAPTURED = "kind = 'captured' AND status IN ('succeeded', 'COMPLETED')";

export const UNMATCHED_PAYMENTS = `SELECT p.at AS "Captured", p.processor AS "Processor", p.object_id AS "Payment",
  p.currency AS "Currency", ${major("p.amount_minor", "p.currency")} AS "Amount",
  p.order_ref AS "Order reference", p.order_site AS "Site"
FROM payments p
LEFT JOIN orders o ON p.order_ref = o.order_id
WHERE $__conditionalAll(p.processor IN ($processor), $processor)
  AND p.kind = 'captured' AND p.status IN ('succeeded', 'COMPLETED') AND $__timeFilter(p.at) AND o.order_id IS NULL
ORDER BY p.at DESC
LIMIT 100`;

export const UNPAID_AFTER_HOURS = 2;

export const UNPAID_ORDERS = `SELECT o.created_at AS "Ordered", o.platform AS "Platform", o.shop AS "Shop",
  o.order_id AS "Order", o.currency AS "Currency", ${major("o.total_minor", "o.currency")} AS "Total"
FROM orders o
JOIN (SELECT DISTINCT m.shop AS paid_shop FROM orders m JOIN payments c ON m.order_id = c.order_ref) s ON o.shop = s.paid_shop
LEFT JOIN (SELECT DISTINCT order_ref FROM payments WHERE ${CAPTURED} AND order_ref IS NOT NULL) p ON o.order_id = p.order_ref
WHERE o.status = 'sale' AND o.test = false AND $__timeFilter(o.created_at)
  AND o.created_at < dateadd('h', -${UNPAID_AFTER_HOURS}, now()) AND p.order_ref IS NULL
ORDER BY o.created_at DESC
LIMIT 100`;

/** Live sales' Payments row (grafana/sql/shop-payments.ts). */
const TZ = "'${tz}'";
const SHOWN = SPANS.filter((s) => s.daysBack <= 7);
const SHOP_CAPTURED = "p.kind = 'captured' AND p.status IN ('succeeded', 'COMPLETED')";

function span(daysBack: number, label: string): string {
  const from = localDayStart(daysBack, TZ);
  const to = localSameTime(daysBack, TZ);
  return `SELECT '${label}' AS span, ${daysBack} AS days_back, currency, revenue_minor AS ordered, 0L AS captured, orders, 0L AS payments
  FROM sales_1m WHERE ${ONE_SHOP} AND ts >= ${from} AND ts < ${to}
  UNION ALL
  SELECT '${label}', ${daysBack}, p.currency, 0L, p.amount_minor, 0L, 1L
  FROM payments p JOIN (SELECT DISTINCT order_id FROM orders WHERE ${ONE_SHOP}) o ON p.order_ref = o.order_id
  WHERE ${SHOP_CAPTURED} AND p.at >= ${from} AND p.at < ${to}`;
}

export const SHOP_CAPTURED_VS_ORDERED = `SELECT span AS "Span", currency AS "Currency",
  ${major("sum(ordered)")} AS "Ordered", ${major("sum(captured)")} AS "Captured",
  sum(orders) AS "Orders", sum(payments) AS "Payments"
FROM (${SHOWN.map((s) => span(s.daysBack, s.label)).join("\n  UNION ALL\n  ")})
GROUP BY span, days_back, currency
ORDER BY days_back, currency`;
