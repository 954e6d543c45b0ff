/**
 * The one rule by which a payment or a shipment names the order it belongs to. Gateways and shippers
 * pass on what the shop's plugin gave them (Stripe `metadata.order_id`, PayPal `custom_id`,
 * ShipStation `orderNumber`, Shippo `metadata`), and stores decorate their numbers differently
 * (Shopify shows `#1001`, its ShipStation import sends `1001`): a reference is kept without
 * white space at its ends and without `#`, so both sides of a join read the same.
 */

export const MAX_ORDER_REF = 128;

/**
 * The first usable reference among `candidates`, normalised; null when none has any characters left.
 *
 * @example orderReference([undefined, " #1001 "]) // "1001"
 */
export function orderReference(candidates: readonly (string | null | undefined)[]): string | null {
  for (const candidate of candidates) {
    const ref = candidate?.replaceAll("#", "").trim().slice(0, MAX_ORDER_REF);
    if (ref) return ref;
  }
  return null;
}

/**
 * The same rule in QuestDB SQL, for the column of an order's number or id it is joined with
 * (`orders.order_number` keeps Shopify's `#`).
 */
export function orderReferenceSql(column: string): string {
  // `replace` gives a STRING, and QuestDB 9.3.4 trims a one-character STRING to '' (`trim('3')` is
  // ''), which made orders #1 to #9 and every one-character reference one key; VARCHAR's trim does not.
  return `trim(cast(replace(${column}, '#', '') AS varchar))`;
}

/**
 * An `orders` row's reference: the `order_ref` the orders processor stores (the rule above, applied
 * once at write time), else, on rows written before that column existed, the rule applied here.
 */
export const ORDER_ROW_REF_SQL = `coalesce(order_ref, ${orderReferenceSql("order_number")})`;
