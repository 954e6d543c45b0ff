import { ONE_SHOP } from "./one-shop.ts";
import { localDayStart, localSameTime, SPANS } from "./local-day.ts";
import { major } from "./payments.ts";
import { aroundRange, withinDays } from "./order-match.ts";

/**
 * The Payments row of Live sales: for the chosen shop, its revenue (as its stats count it) and what Stripe and
 * PayPal captured for them (captures whose order reference names one of its orders), today so far,
 * the same time yesterday and the same time last week, in the store's zone. Per currency: a capture
 * in another currency than the order's stays in its own row, never added. A capture counts for the
 * shop when the order it names was placed within `ORDER_MATCH_DAYS` of it (order-match.ts).
 */
const TZ = "'${tz}'";
const SHOWN = SPANS.filter((s) => s.daysBack <= 7);
const CAPTURED = "p.kind = 'captured' AND p.status IN ('succeeded', 'COMPLETED')";

function span(daysBack: number, label: string): string {
  const from = localDayStart(daysBack, TZ);
  const to = localSameTime(daysBack, TZ);
  // Ordered is Live sales' own revenue and order count (sales_1m, the same span as its stats).
  // Captured: the span's captures naming an order of the shop placed within the matching window of
  // them (order-match.ts), each once; the shop's orders first in the join, so QuestDB hashes the
  // span's captures and reads only the window's partitions of orders, not every order the shop has.
  return `SELECT '${label}' AS span, ${daysBack} AS days_back, currency, revenue_minor AS ordered, 0L AS captured, orders, 0L AS payments
  FROM sales_1m WHERE ${ONE_SHOP} AND ts >= ${from} AND ts < ${to}
  UNION ALL
  SELECT '${label}', ${daysBack}, currency, 0L, amount_minor, 0L, 1L FROM (
    SELECT DISTINCT c.at, c.processor, c.object_id, c.entry, c.currency, c.amount_minor
    FROM (SELECT order_id, created_at FROM orders WHERE ${ONE_SHOP} AND ${aroundRange("created_at", from, to)}) o
    JOIN (SELECT at, processor, object_id, entry, currency, amount_minor, order_ref FROM payments p
      WHERE ${CAPTURED} AND p.at >= ${from} AND p.at < ${to}) c ON o.order_id = c.order_ref
    WHERE ${withinDays("o.created_at", "c.at")})`;
}

export const SHOP_CAPTURED_VS_ORDERED = `SELECT span AS "Span", currency AS "Currency",
  ${major("sum(ordered)")} AS "Ordered", ${major("sum(captured)")} AS "Captured",
  sum(orders) AS "Orders", sum(payments) AS "Payments"
FROM (${SHOWN.map((s) => span(s.daysBack, s.label)).join("\n  UNION ALL\n  ")})
GROUP BY span, days_back, currency
ORDER BY days_back, currency`;
