import { NON_TWO_DECIMAL } from "../../core/currencies.ts";
import { chosen } from "./chosen.ts";
import { aroundRange, ORDER_MATCH_DAYS, withinDays } from "./order-match.ts";

/**
 * The Payments dashboard's SQL. Money is never added across currencies: every money figure is
 * grouped by the currency of its rows. Amounts are shown in major units through the ISO 4217 table
 * (core/currencies.ts), written into the SQL as a CASE, since processors' currencies need not be any
 * shop's. "In range" is the dashboard's time range (Today by default, in the browser's zone): payment
 * rows carry no store time zone of their own.
 */

const byExponent = Map.groupBy(Object.entries(NON_TWO_DECIMAL), ([, exponent]) => exponent);
/** Minor units per major unit of `column`'s currency. */
export const minorPerUnit = (column: string) =>
  `CASE ${[...byExponent]
    .map(
      ([exponent, codes]) =>
        `WHEN ${column} IN (${codes.map(([c]) => `'${c}'`).join(",")}) THEN ${10 ** exponent}`,
    )
    .join(" ")} ELSE 100 END`;
/** A sum of minor units shown in major units of its row's currency. */
export const major = (sum: string, currency = "currency") => `${sum} / (${minorPerUnit(currency)} * 1.0)`;

export const PROCESSOR = chosen("processor");
/** Money counted as taken: a capture whose processor says it completed. */
const CAPTURED = "kind = 'captured' AND status IN ('succeeded', 'COMPLETED')";

export const PAYMENT_VARIABLE_QUERIES = {
  processor: "SELECT DISTINCT processor FROM payments ORDER BY processor",
} as const;

/** Captured and refunded in range, and what the shops' orders placed in range came to, per currency. */
export const CAPTURED_VS_ORDERED = `SELECT currency AS "Currency",
  ${major("sum(captured)")} AS "Captured",
  ${major("sum(refunded)")} AS "Refunded",
  ${major("sum(ordered)")} AS "Ordered",
  sum(payments) AS "Payments",
  sum(orders) AS "Orders"
FROM (
  SELECT currency, amount_minor AS captured, 0L AS refunded, 0L AS ordered, 1L AS payments, 0L AS orders
  FROM payments WHERE ${PROCESSOR} AND ${CAPTURED} AND $__timeFilter(at)
  UNION ALL
  SELECT currency, 0L, amount_minor, 0L, 0L, 0L
  FROM payments WHERE ${PROCESSOR} AND kind = 'refunded' AND $__timeFilter(at)
  UNION ALL
  SELECT currency, 0L, 0L, total_minor, 0L, 1L
  FROM orders WHERE status = 'sale' AND test = false AND $__timeFilter(created_at)
)
GROUP BY currency
ORDER BY currency`;

/**
 * Per processor and currency: captured, refunded, fees and net in range, from the per-minute rollup.
 * PayPal puts fee and net on the capture; Stripe's come as `fee` rows from the balance transaction
 * (in the account's settlement currency), fetched after the capture: until then it counts as a
 * capture without fee data.
 */
export const BY_PROCESSOR = `SELECT processor AS "Processor", currency AS "Currency",
  ${major("sum(CASE WHEN kind = 'captured' THEN amount_minor ELSE 0 END)")} AS "Captured",
  ${major("sum(CASE WHEN kind = 'refunded' THEN amount_minor ELSE 0 END)")} AS "Refunded",
  ${major("sum(CASE WHEN kind IN ('captured', 'fee') THEN fee_minor ELSE 0 END)")} AS "Fees",
  ${major("sum(CASE WHEN kind IN ('captured', 'fee') THEN net_minor ELSE 0 END)")} AS "Net of fees",
  sum(CASE WHEN kind = 'captured' THEN without_fee ELSE 0 END) - sum(CASE WHEN kind = 'fee' THEN payments ELSE 0 END) AS "Captures without fee data"
FROM payments_1m
WHERE ${PROCESSOR} AND $__timeFilter(at) AND ((${CAPTURED}) OR kind IN ('refunded', 'fee'))
GROUP BY processor, currency
ORDER BY processor, currency`;

/** Captured per interval, a series per processor and currency (in major units), from the rollup. */
export const CAPTURED_SERIES = `SELECT at AS time, processor || ' ' || currency AS metric, ${major("sum(amount_minor)")} AS value
FROM payments_1m
WHERE ${PROCESSOR} AND ${CAPTURED} AND $__timeFilter(at)
SAMPLE BY $__sampleByInterval ALIGN TO CALENDAR`;

/** Disputes still open, whenever opened (a dispute lasts weeks), per processor and currency. */
export const OPEN_DISPUTES = `SELECT processor AS "Processor", currency AS "Currency", count() AS "Open disputes",
  ${major("sum(amount_minor)")} AS "Amount", min(created_at) AS "Oldest opened"
FROM disputes
WHERE ${PROCESSOR} AND open = true
GROUP BY processor, currency
ORDER BY processor, currency`;

/** Disputes opened or settled in range, newest first. */
export const DISPUTES_TABLE = `SELECT created_at AS "Opened", processor AS "Processor", dispute_id AS "Dispute",
  payment_id AS "Payment", currency AS "Currency", ${major("amount_minor")} AS "Amount",
  outcome AS "Outcome", status AS "Status", updated_at AS "Updated"
FROM disputes
WHERE ${PROCESSOR} AND ($__timeFilter(created_at) OR $__timeFilter(updated_at) OR open = true)
ORDER BY created_at DESC
LIMIT 100`;

/** Payouts created in range and their status, failed first. */
export const PAYOUTS_TABLE = `SELECT created_at AS "Created", processor AS "Processor", payout_id AS "Payout",
  currency AS "Currency", ${major("amount_minor")} AS "Amount", status AS "Status", failed AS "Failed"
FROM payouts
WHERE ${PROCESSOR} AND $__timeFilter(created_at)
ORDER BY failed DESC, created_at DESC
LIMIT 100`;

/** The range's completed captures, with what identifies each (its dedup keys but shop and entry). */
const RANGE_CAPTURES = `SELECT at, processor, object_id, currency, amount_minor, order_ref, order_site
  FROM payments WHERE ${PROCESSOR} AND ${CAPTURED} AND $__timeFilter(at)`;

/**
 * Captures in range that match no order: no order reference at all, or one that names no order in
 * `orders` placed within `ORDER_MATCH_DAYS` of the capture (order-match.ts). They still count in
 * every total; this lists them so someone can look. The matched ones are found with `orders` first
 * in the join (QuestDB hashes the right-hand side: the range's captures, not the orders) and only
 * the window's partitions of `orders` read.
 */
export const UNMATCHED_PAYMENTS = `WITH captures AS (${RANGE_CAPTURES}),
matched AS (
  SELECT DISTINCT c.at, c.processor, c.object_id
  FROM (SELECT order_id, created_at FROM orders WHERE ${aroundRange("created_at", "$__fromTime", "$__toTime")}) o
  JOIN captures c ON o.order_id = c.order_ref
  WHERE ${withinDays("o.created_at", "c.at")}
)
SELECT p.at AS "Captured", p.processor AS "Processor", p.object_id AS "Payment",
  p.currency AS "Currency", ${major("p.amount_minor", "p.currency")} AS "Amount",
  p.order_ref AS "Order reference", p.order_site AS "Site"
FROM captures p
LEFT JOIN matched m ON p.at = m.at AND p.processor = m.processor AND p.object_id = m.object_id
WHERE m.object_id IS NULL
ORDER BY p.at DESC
LIMIT 100`;

/** How long an order may wait for its payment before it is listed as unpaid. */
export const UNPAID_AFTER_HOURS = 2;

/**
 * Orders placed in range or the window before it, and the completed captures within the window of
 * each (order-match.ts): the range's paid orders, and the shops whose orders captures pay.
 */
const PAID_ORDERS = `SELECT DISTINCT m.shop, m.order_id
  FROM (SELECT shop, order_id, created_at FROM orders
    WHERE created_at >= dateadd('d', -${ORDER_MATCH_DAYS}, $__fromTime) AND created_at <= $__toTime) m
  JOIN (SELECT order_ref, at FROM payments
    WHERE ${CAPTURED} AND order_ref IS NOT NULL AND ${aroundRange("at", "$__fromTime", "$__toTime")}) c ON m.order_id = c.order_ref
  WHERE ${withinDays("m.created_at", "c.at")}`;

/**
 * Non-test orders placed in range, at least `UNPAID_AFTER_HOURS` ago, that no completed capture
 * within `ORDER_MATCH_DAYS` of them names — only for shops whose orders in the range or the window
 * before it captures have paid, since a shop paid through another gateway (Shopify Payments, cash)
 * would otherwise list every order.
 */
export const UNPAID_ORDERS = `WITH paid AS (${PAID_ORDERS})
SELECT o.created_at AS "Ordered", o.platform AS "Platform", o.shop AS "Shop",
  o.order_id AS "Order", o.currency AS "Currency", ${major("o.total_minor", "o.currency")} AS "Total"
FROM orders o
JOIN (SELECT DISTINCT shop AS paid_shop FROM paid) s ON o.shop = s.paid_shop
LEFT JOIN (SELECT DISTINCT order_id AS paid_id FROM paid) p ON o.order_id = p.paid_id
WHERE o.status = 'sale' AND o.test = false AND $__timeFilter(o.created_at)
  AND o.created_at < dateadd('h', -${UNPAID_AFTER_HOURS}, now()) AND p.paid_id IS NULL
ORDER BY o.created_at DESC
LIMIT 100`;

export const PAYMENT_PANELS = {
  CAPTURED_VS_ORDERED,
  BY_PROCESSOR,
  CAPTURED_SERIES,
  OPEN_DISPUTES,
  DISPUTES_TABLE,
  PAYOUTS_TABLE,
  UNMATCHED_PAYMENTS,
  UNPAID_ORDERS,
};
