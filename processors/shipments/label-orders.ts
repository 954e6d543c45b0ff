import type { Sender } from "@questdb/nodejs-client";
import { toMicros } from "../../core/questdb.ts";
import { shopTables } from "../../core/shop-data.ts";
import type { Label } from "./label.ts";
import type { MatchedOrder } from "./order-lookup.ts";

/**
 * Each label beside the order its reference names (one row per pair: two shops' `#1001` are two
 * rows, as the join they replace counted them), written when the label's state is, so Time to ship
 * and Shipping cost vs charged read one table by its designated timestamp instead of joining
 * weeks of orders with the range's labels on every refresh. Keyed like `shipments` plus the order,
 * so a label's newer state rewrites its rows. The order's side is as it was when the label was
 * matched (its time, shop and currency never change; a later edit of its shipping charge is not
 * followed). Kept two years, like both sides.
 */
export const LABEL_ORDER_TABLES = [
  `CREATE TABLE IF NOT EXISTS label_orders (
    created_at TIMESTAMP,
    shipper SYMBOL,
    account SYMBOL,
    shipment_id VARCHAR,
    platform SYMBOL,
    shop SYMBOL,
    order_id VARCHAR,
    order_created_at TIMESTAMP,
    order_currency SYMBOL,
    shipping_minor LONG,
    order_test BOOLEAN,
    carrier SYMBOL,
    tracking_number VARCHAR,
    currency SYMBOL,
    label_cost_minor LONG,
    shipped_at TIMESTAMP,
    voided_at TIMESTAMP,
    is_return BOOLEAN,
    updated_at TIMESTAMP
  ) TIMESTAMP(created_at) PARTITION BY DAY TTL 2 YEARS WAL
  DEDUP UPSERT KEYS(created_at, shipper, account, shipment_id, platform, shop, order_id)`,
] as const;

/** Its rows name the order's shop, so shop/redact removes them with the shop's orders. */
export const LABEL_ORDER_SHOP_TABLES = shopTables([{ table: "label_orders", ts: "created_at", by: "DAY" }]);

/** An instant as QuestDB returns it (`…T08:18:36.456123Z`), in microseconds, none of them lost. */
export function questDbMicros(iso: string): bigint {
  const fraction = /\.(\d{1,6})Z$/.exec(iso)?.[1] ?? "";
  const whole = toMicros(iso.replace(/\.\d+Z$/, "Z"));
  return whole + BigInt(fraction.padEnd(6, "0") || "0");
}

export async function writeLabelOrder(sender: Sender, label: Label, order: MatchedOrder): Promise<void> {
  const s = label.shipment;
  const row = sender
    .table("label_orders")
    .symbol("shipper", label.shipper)
    .symbol("account", label.account)
    .symbol("platform", order.platform)
    .symbol("shop", order.shop)
    .symbol("order_currency", order.currency)
    .symbol("currency", s.currency);
  if (s.carrier) row.symbol("carrier", s.carrier);
  row
    .stringColumn("shipment_id", s.shipmentId)
    .stringColumn("order_id", order.orderId)
    // To the microsecond QuestDB gave: Awaiting shipment joins on it (grafana/sql/fulfilment.ts).
    .timestampColumn("order_created_at", questDbMicros(order.createdAt), "us")
    .booleanColumn("order_test", order.test)
    .intColumn("label_cost_minor", s.labelCostMinor)
    .booleanColumn("is_return", s.isReturn)
    .timestampColumn("updated_at", toMicros(s.updatedAt), "us");
  if (s.trackingNumber) row.stringColumn("tracking_number", s.trackingNumber);
  if (order.shippingMinor !== null) row.intColumn("shipping_minor", order.shippingMinor);
  if (s.shippedAt) row.timestampColumn("shipped_at", toMicros(s.shippedAt), "us");
  if (s.voidedAt) row.timestampColumn("voided_at", toMicros(s.voidedAt), "us");
  await row.at(toMicros(s.createdAt), "us");
}
