import type { Checkout, InventoryLevel, Order, Product, Refund } from "../../core/events.ts";
import { toMinorUnits } from "../../core/money.ts";
import type {
  ShopifyCheckout,
  ShopifyInventoryLevel,
  ShopifyOrder,
  ShopifyProduct,
  ShopifyRefund,
} from "./payload.ts";

type MoneySet = { shop_money: { amount: string; currency_code: string } } | undefined;

/** Amounts in the shop's currency (`shop_money`), never the buyer's presentment currency. */
function shopMinor(set: MoneySet, currency: string): number {
  if (!set) return 0;
  if (set.shop_money.currency_code.toUpperCase() !== currency) {
    throw new RangeError(
      `mixed shop currencies in one order: ${set.shop_money.currency_code} vs ${currency}`,
    );
  }
  return toMinorUnits(set.shop_money.amount, currency);
}

/** Shopify lets merchants leave SKUs empty; the variant then stands in so every line has a stock key. */
export function stockKey(
  sku: string | null | undefined,
  variantId: string | null | undefined,
  lineId: string,
): string {
  const trimmed = sku?.trim();
  if (trimmed) return trimmed;
  return variantId ? `variant:${variantId}` : `line:${lineId}`;
}

export function normaliseOrder(order: ShopifyOrder, customerKeyOf: (customerId: string) => string): Order {
  const currency = order.total_price_set.shop_money.currency_code.toUpperCase();
  return {
    orderId: order.id,
    orderNumber: order.name ?? null,
    createdAt: new Date(order.created_at).toISOString(),
    updatedAt: new Date(order.updated_at).toISOString(),
    cancelledAt: order.cancelled_at ? new Date(order.cancelled_at).toISOString() : null,
    // Shopify counts an order as a sale when it is placed, paid or not; cancelling takes it out again.
    status: order.cancelled_at ? "cancelled" : "sale",
    financialStatus: order.financial_status ?? null,
    currency,
    totalMinor: shopMinor(order.total_price_set, currency),
    subtotalMinor: shopMinor(order.subtotal_price_set, currency),
    taxMinor: shopMinor(order.total_tax_set, currency),
    discountMinor: shopMinor(order.total_discounts_set, currency),
    shippingMinor: shopMinor(order.total_shipping_price_set, currency),
    test: order.test,
    customerKey: order.customer ? customerKeyOf(order.customer.id) : null,
    lines: order.line_items.map((line) => {
      const unitPriceMinor = shopMinor(line.price_set, currency);
      return {
        lineId: line.id,
        productId: line.product_id ?? null,
        variantId: line.variant_id ?? null,
        sku: stockKey(line.sku, line.variant_id, line.id),
        quantity: line.quantity,
        unitPriceMinor,
        totalMinor: unitPriceMinor * line.quantity - shopMinor(line.total_discount_set, currency),
      };
    }),
  };
}

/**
 * The money a refund returned: its successful refund transactions. Restock-only refunds have none
 * and count zero. Line quantities are kept for inventory and units-refunded figures.
 */
export function normaliseRefund(refund: ShopifyRefund): Refund {
  const paid = refund.transactions.filter(
    (t) => t.kind === "refund" && (t.status ?? "success") === "success",
  );
  const currency = (
    paid[0]?.currency ??
    refund.refund_line_items[0]?.subtotal_set?.shop_money.currency_code ??
    ""
  ).toUpperCase();
  if (!currency) throw new RangeError("refund names no currency (no transactions, no line subtotals)");
  for (const t of paid) {
    if (t.currency.toUpperCase() !== currency)
      throw new RangeError(`refund mixes currencies ${t.currency}/${currency}`);
  }
  return {
    refundId: refund.id,
    orderId: refund.order_id,
    createdAt: new Date(refund.created_at).toISOString(),
    currency,
    amountMinor: paid.reduce((sum, t) => sum + toMinorUnits(t.amount, currency), 0),
    lines: refund.refund_line_items.map((line) => ({
      lineId: line.line_item_id,
      sku: line.line_item ? stockKey(line.line_item.sku, line.line_item.variant_id, line.line_item_id) : null,
      quantity: line.quantity,
    })),
  };
}

export function normaliseInventoryLevel(level: ShopifyInventoryLevel): InventoryLevel {
  return {
    inventoryItemId: level.inventory_item_id,
    locationId: level.location_id,
    sku: null, // inventory_levels/update carries no SKU; the inventory processor maps items to SKUs
    available: level.available,
    updatedAt: new Date(level.updated_at).toISOString(),
  };
}

/**
 * A product's variants with their stock keys (the same `stockKey` order lines get) and inventory
 * items: the only place Shopify ties an `inventory_item_id` (what stock updates carry) to a SKU.
 * The payload has no currency, so prices are left out rather than guessed.
 */
export function normaliseProduct(product: ShopifyProduct): Product {
  return {
    productId: product.id,
    title: product.title,
    updatedAt: new Date(product.updated_at).toISOString(),
    variants: product.variants.map((variant) => ({
      variantId: variant.id,
      sku: stockKey(variant.sku, variant.id, variant.id),
      inventoryItemId: variant.inventory_item_id ?? null,
      priceMinor: null,
    })),
  };
}

/**
 * A started checkout, for checkout conversion (orders / checkouts started). Shopify gives its total only
 * in the buyer's presentment currency; when that differs from the shop's, the shop-money value is not
 * in the payload, so it is recorded as 0 rather than mixed currencies (no metric uses checkout value).
 */
export function normaliseCheckout(checkout: ShopifyCheckout): Checkout {
  const currency = checkout.currency.toUpperCase();
  const presentment = (checkout.presentment_currency ?? currency).toUpperCase();
  return {
    checkoutId: checkout.id,
    createdAt: new Date(checkout.created_at).toISOString(),
    updatedAt: new Date(checkout.updated_at).toISOString(),
    currency,
    totalMinor:
      presentment === currency && checkout.total_price != null
        ? toMinorUnits(checkout.total_price, currency)
        : 0,
    completedAt: checkout.completed_at ? new Date(checkout.completed_at).toISOString() : null,
  };
}
