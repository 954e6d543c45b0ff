import type { InventoryLevel, Order, Refund } from "../../core/events.ts";
import { currencyExponent } from "../../core/money.ts";
import type { BcCatalogProduct, BcOrder, BcOrderProduct, BcRefund, BcVariant } from "./payload.ts";
import { bcStatus } from "./status.ts";

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * BigCommerce keeps four decimal places ("18.1818" for a tax-exclusive price), more than most
 * currencies hold, so amounts are rounded half away from zero to the currency's exponent — on the
 * digits, never through a float.
 */
export function bcMinor(amount: string, currency: string): number {
  const match = DECIMAL.exec(amount.trim());
  if (!match) throw new RangeError(`not a decimal amount: "${amount}" (${currency})`);
  const [, sign, whole = "", fraction = ""] = match;
  const exponent = currencyExponent(currency);
  let minor = BigInt(whole + fraction.slice(0, exponent).padEnd(exponent, "0"));
  if (Number(fraction.charAt(exponent) || "0") >= 5) minor += 1n;
  const value = Number(minor);
  if (!Number.isSafeInteger(value)) throw new RangeError(`amount out of range: ${amount} ${currency}`);
  return sign && value !== 0 ? -value : value;
}

function stockKey(line: BcOrderProduct): string {
  const trimmed = line.sku?.trim();
  if (trimmed) return trimmed;
  if (line.variant_id && line.variant_id !== "0") return `variant:${line.variant_id}`;
  return line.product_id ? `product:${line.product_id}` : `line:${line.id}`;
}

export function normaliseOrder(
  order: BcOrder,
  products: BcOrderProduct[],
  customerKeyOf: (customerId: string) => string,
): Order {
  const currency = order.default_currency_code.toUpperCase();
  const minor = (value: string) => bcMinor(value, currency);
  const status = bcStatus(order.status_id);
  // An archived (deleted) order leaves revenue like a cancelled one.
  const sales = order.is_deleted ? "cancelled" : status.sales;
  return {
    orderId: order.id,
    orderNumber: order.id,
    createdAt: order.date_created,
    updatedAt: order.date_modified,
    cancelledAt: sales === "cancelled" ? order.date_modified : null,
    status: sales,
    financialStatus: order.is_deleted ? "archived" : status.label,
    currency,
    totalMinor: minor(order.total_inc_tax),
    subtotalMinor: minor(order.subtotal_ex_tax),
    taxMinor: minor(order.total_tax),
    discountMinor: minor(order.discount_amount) + minor(order.coupon_discount),
    shippingMinor: minor(order.shipping_cost_ex_tax),
    test: false,
    customerKey: order.customer_id !== "0" ? customerKeyOf(order.customer_id) : null,
    lines: products.map((line) => ({
      lineId: line.id,
      productId: line.product_id ?? null,
      variantId: line.variant_id && line.variant_id !== "0" ? line.variant_id : null,
      sku: stockKey(line),
      quantity: line.quantity,
      unitPriceMinor: minor(line.price_ex_tax),
      totalMinor: minor(line.total_ex_tax),
    })),
  };
}

export function normaliseRefund(refund: BcRefund, currency: string, products: BcOrderProduct[]): Refund {
  const skuOf = new Map(products.map((line) => [line.id, stockKey(line)]));
  return {
    refundId: refund.id,
    orderId: refund.order_id,
    createdAt: new Date(refund.created).toISOString(),
    currency: currency.toUpperCase(),
    amountMinor: bcMinor(refund.total_amount, currency),
    lines: refund.items
      .filter((item) => item.item_type === "PRODUCT" && item.quantity)
      .map((item) => ({
        lineId: item.item_id,
        sku: skuOf.get(item.item_id) ?? null,
        quantity: item.quantity ?? 0,
      })),
  };
}

export function productInventory(product: BcCatalogProduct, at: string): InventoryLevel[] {
  if (product.inventory_tracking !== "product") return [];
  return [
    {
      inventoryItemId: `product:${product.id}`,
      locationId: "default",
      sku: product.sku?.trim() || null,
      available: product.inventory_level,
      updatedAt: product.date_modified ? new Date(product.date_modified).toISOString() : at,
    },
  ];
}

export function variantInventory(variant: BcVariant, at: string): InventoryLevel {
  return {
    inventoryItemId: `variant:${variant.id}`,
    locationId: "default",
    sku: variant.sku?.trim() || null,
    available: variant.inventory_level,
    updatedAt: at,
  };
}
