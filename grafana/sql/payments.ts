import { NON_TWO_DECIMAL } from "../../core/currencies.ts";
import { chosen } from "./chosen.ts";

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
const major = (sum: string, currency = "currency") => `${sum} / (${minorPerUnit(currency)} * 1.0)`;

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

/** Per processor and currency: captured, refunded, fees and net in range. */
export const BY_PROCESSOR = `SELECT processor AS "Processor", currency AS "Currency",
  ${major("sum(CASE WHEN kind = 'captured' THEN amount_minor ELSE 0 END)")} AS "Captured",
  ${major("sum(CASE WHEN kind = 'refunded' THEN amount_minor ELSE 0 END)")} AS "Refunded",
  ${major("sum(CASE WHEN kind = 'captured' THEN fee_minor ELSE 0 END)")} AS "Fees",
  ${major("sum(CASE WHEN kind = 'captured' THEN net_minor ELSE 0 END)")} AS "Net",
  sum(CASE WHEN kind = 'captured' AND fee_minor IS NULL THEN 1 ELSE 0 END) AS "Captures without fee data"
FROM payments
WHERE ${PROCESSOR} AND $__timeFilter(at) AND ((${CAPTURED}) OR kind = 'refunded')
GROUP BY processor, currency
ORDER BY processor, currency`;

/** Captured per interval, a series per processor and currency (in major units). */
export const CAPTURED_SERIES = `SELECT at AS time, processor || ' ' || currency AS metric, ${major("sum(amount_minor)")} AS value
FROM payments
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

/**
 * Captures in range that match no order: no order reference at all, or one no order in `orders`
 * carries. They still count in every total; this lists them so someone can look.
 */
export const UNMATCHED_PAYMENTS = `SELECT p.at AS "Captured", p.processor AS "Processor", p.object_id AS "Payment",
  p.currency AS "Currency", ${major("p.amount_minor", "p.currency")} AS "Amount",
  p.order_ref AS "Order reference", p.order_site AS "Site"
FROM payments p
LEFT JOIN orders o ON p.order_ref = o.order_id
WHERE $__conditionalAll(p.processor IN ($processor), $processor)
  AND p.kind = 'captured' AND p.status IN ('succeeded', 'COMPLETED') AND $__timeFilter(p.at) AND o.order_id IS NULL
ORDER BY p.at DESC
LIMIT 100`;

export const PAYMENT_PANELS = {
  CAPTURED_VS_ORDERED,
  BY_PROCESSOR,
  CAPTURED_SERIES,
  OPEN_DISPUTES,
  DISPUTES_TABLE,
  PAYOUTS_TABLE,
  UNMATCHED_PAYMENTS,
};
