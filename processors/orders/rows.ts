import type { Sender } from "@questdb/nodejs-client";
import type { Order, Refund } from "../../core/events.ts";
import { orderReference } from "../../core/order-ref.ts";
import { toMicros } from "../../core/questdb.ts";

export interface Scope {
  platform: string;
  shop: string;
  receivedAt: string;
}

/** One `orders` row and one `order_lines` row per line, replacing whatever the order's key held before. */
export async function writeOrderRows(sender: Sender, scope: Scope, order: Order): Promise<void> {
  const createdAt = toMicros(order.createdAt);
  const updatedAt = toMicros(order.updatedAt);
  const row = sender
    .table("orders")
    .symbol("platform", scope.platform)
    .symbol("shop", scope.shop)
    .symbol("status", order.status)
    .symbol("currency", order.currency);
  if (order.financialStatus) row.symbol("financial_status", order.financialStatus);
  row
    .stringColumn("order_id", order.orderId)
    .timestampColumn("updated_at", updatedAt, "us")
    .intColumn("total_minor", order.totalMinor)
    .intColumn("subtotal_minor", order.subtotalMinor)
    .intColumn("tax_minor", order.taxMinor)
    .intColumn("discount_minor", order.discountMinor)
    .intColumn("shipping_minor", order.shippingMinor)
    .intColumn("line_count", order.lines.length)
    .intColumn(
      "item_count",
      order.lines.reduce((sum, line) => sum + line.quantity, 0),
    )
    .booleanColumn("test", order.test)
    .timestampColumn("received_at", toMicros(scope.receivedAt), "us");
  if (order.orderNumber) row.stringColumn("order_number", order.orderNumber);
  // The number as payments and labels name it (core/order-ref.ts), so a join needs no string work per order.
  const ref = orderReference([order.orderNumber]);
  if (ref) row.stringColumn("order_ref", ref);
  if (order.cancelledAt) row.timestampColumn("cancelled_at", toMicros(order.cancelledAt), "us");
  if (order.customerKey) row.stringColumn("customer_key", order.customerKey);
  await row.at(createdAt, "us");

  for (const line of order.lines) {
    const lineRow = sender
      .table("order_lines")
      .symbol("platform", scope.platform)
      .symbol("shop", scope.shop)
      .symbol("sku", line.sku)
      .symbol("currency", order.currency)
      .symbol("status", order.status)
      .stringColumn("order_id", order.orderId)
      .stringColumn("line_id", line.lineId)
      .intColumn("quantity", line.quantity)
      .intColumn("unit_price_minor", line.unitPriceMinor)
      .intColumn("total_minor", line.totalMinor)
      .booleanColumn("test", order.test)
      .timestampColumn("updated_at", updatedAt, "us");
    if (line.productId) lineRow.stringColumn("product_id", line.productId);
    if (line.variantId) lineRow.stringColumn("variant_id", line.variantId);
    await lineRow.at(createdAt, "us");
  }
}

export async function writeRefundRow(sender: Sender, scope: Scope, refund: Refund): Promise<void> {
  await sender
    .table("refunds")
    .symbol("platform", scope.platform)
    .symbol("shop", scope.shop)
    .symbol("currency", refund.currency)
    .stringColumn("refund_id", refund.refundId)
    .stringColumn("order_id", refund.orderId)
    .intColumn("amount_minor", refund.amountMinor)
    .intColumn(
      "units",
      refund.lines.reduce((sum, line) => sum + line.quantity, 0),
    )
    .timestampColumn("received_at", toMicros(scope.receivedAt), "us")
    .at(toMicros(refund.createdAt), "us");
}
