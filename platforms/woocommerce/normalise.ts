import type { InventoryLevel, Order, Refund, SalesStatus } from "../../core/events.ts";
import { toMinorUnits } from "../../core/money.ts";
import type { WooOrder, WooProduct } from "./payload.ts";

/**
 * WooCommerce statuses → whether the order counts as a sale now. `refunded` stays a sale: the refund
 * itself is subtracted at refund time, so dropping the order as well would subtract twice.
 * Statuses added by plugins count as not-yet-sales until someone maps them.
 */
const STATUS: Record<string, SalesStatus> = {
  processing: "sale",
  completed: "sale",
  "on-hold": "sale",
  refunded: "sale",
  pending: "pending",
  failed: "pending",
  "checkout-draft": "pending",
  cancelled: "cancelled",
  trash: "cancelled",
};

/** The WooCommerce statuses that count as sales: what the reconciliation asks WooCommerce to count. */
export const WOO_SALE_STATUSES = Object.keys(STATUS).filter((status) => STATUS[status] === "sale");

export function wooSalesStatus(status: string): SalesStatus {
  return STATUS[status] ?? "pending";
}

/** The shop token for a site: `X-WC-Webhook-Source` (`https://shop.example/`) → `shop.example`. */
export function wooShop(siteUrl: string): string {
  const url = new URL(siteUrl);
  return `${url.host}${url.pathname.replace(/\/+$/, "")}`.toLowerCase();
}

function stockKey(
  sku: string | null | undefined,
  variantId: string | null,
  productId: string | null,
  lineId: string,
) {
  const trimmed = sku?.trim();
  if (trimmed) return trimmed;
  if (variantId) return `variant:${variantId}`;
  return productId ? `product:${productId}` : `line:${lineId}`;
}

const nonZero = (value: string | null | undefined) => (value && value !== "0" ? value : null);

export function normaliseOrder(order: WooOrder, customerKeyOf: (customerId: string) => string): Order {
  const currency = order.currency.toUpperCase();
  const minor = (value: string) => toMinorUnits(value, currency);
  const updatedAt = order.date_modified_gmt ?? order.date_created_gmt;
  const status = wooSalesStatus(order.status);
  const lines = order.line_items.map((line) => {
    const subtotalMinor = minor(line.subtotal);
    const variantId = nonZero(line.variation_id);
    const productId = nonZero(line.product_id);
    return {
      lineId: line.id,
      productId,
      variantId,
      sku: stockKey(line.sku, variantId, productId, line.id),
      quantity: line.quantity,
      // WooCommerce's `price` is a float; the unit price comes from the exact subtotal instead.
      unitPriceMinor: line.quantity > 0 ? Math.round(subtotalMinor / line.quantity) : subtotalMinor,
      totalMinor: minor(line.total),
    };
  });
  return {
    orderId: order.id,
    orderNumber: order.number ?? null,
    createdAt: order.date_created_gmt,
    updatedAt,
    // WooCommerce keeps no cancellation time; the modification that made it cancelled is the closest.
    cancelledAt: status === "cancelled" ? updatedAt : null,
    status,
    financialStatus: order.status,
    currency,
    totalMinor: minor(order.total),
    subtotalMinor: lines.reduce((sum, line) => sum + line.totalMinor, 0),
    taxMinor: minor(order.total_tax),
    discountMinor: minor(order.discount_total),
    shippingMinor: minor(order.shipping_total),
    test: false,
    customerKey: nonZero(order.customer_id) ? customerKeyOf(order.customer_id) : null,
    lines,
  };
}

/**
 * The refunds an order carries. Their time is the order's modification time when first seen; the
 * fetchers settle it once per refund so later deliveries of the same order don't move it.
 */
export function normaliseRefunds(order: WooOrder): Refund[] {
  const currency = order.currency.toUpperCase();
  const seenAt = order.date_modified_gmt ?? order.date_created_gmt;
  return order.refunds.map((refund) => ({
    refundId: refund.id,
    orderId: order.id,
    createdAt: seenAt,
    currency,
    amountMinor: Math.abs(toMinorUnits(refund.total, currency)),
    lines: [],
  }));
}

/** Stock of a product or variation whose stock WooCommerce manages itself; `null` otherwise. */
export function normaliseInventory(product: WooProduct, receivedAt: string): InventoryLevel | null {
  if (
    product.manage_stock !== true ||
    product.stock_quantity === null ||
    product.stock_quantity === undefined
  ) {
    return null;
  }
  return {
    inventoryItemId: product.id,
    // WooCommerce core has one stock pool per product; multi-location stock comes from plugins.
    locationId: "default",
    sku: product.sku?.trim() || null,
    available: product.stock_quantity,
    updatedAt: product.date_modified_gmt ?? receivedAt,
  };
}
