/**
 * Which order a payment or a shipping label belongs to, for the panels that join `payments` or
 * `shipments` with `orders`: the order its reference names, placed within a window of it, either way.
 * The window is what lets these joins read a few days of `orders` by its designated timestamp
 * (QuestDB prunes the other partitions) instead of every order ever placed; a payment or label whose
 * order lies outside it counts as having no order (docs/payments.md, docs/shipping.md).
 */

/**
 * Payments: a card authorisation stays capturable for 7 days at Stripe (PayPal honours one for 3),
 * so a capture comes within days of its order; "either way" because the shop's clock and the
 * processor's are not the same clock, and some checkouts charge before the order is written.
 */
export const ORDER_MATCH_DAYS = 7;

/**
 * Shipping: labels are bought within days of the order, and ship within days of being bought;
 * 30 days leaves room for back-orders and pre-orders, whose long waits Time to ship must still show.
 */
export const SHIPPING_MATCH_DAYS = 30;

/**
 * `column` (a designated timestamp) from `days` before `from` to `days` after `to`: constant bounds,
 * so QuestDB scans only those partitions. `from`/`to` are SQL (`$__fromTime`, a local-day start).
 */
export function aroundRange(column: string, from: string, to: string, days = ORDER_MATCH_DAYS): string {
  return `${column} >= dateadd('d', -${days}, ${from}) AND ${column} <= dateadd('d', ${days}, ${to})`;
}

/** Two instants (SQL) within `days` of each other, either way. */
export function withinDays(a: string, b: string, days = ORDER_MATCH_DAYS): string {
  return `${a} >= dateadd('d', -${days}, ${b}) AND ${a} <= dateadd('d', ${days}, ${b})`;
}
