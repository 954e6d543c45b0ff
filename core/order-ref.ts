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
  return `trim(replace(${column}, '#', ''))`;
}
