import type { Product } from "./catalogue.ts";

/**
 * What happens in a demo shop, in the simulation's own terms (integer minor units of the shop's
 * currency, instants in ms). Each platform's payload builders turn these into that platform's shapes.
 */

export interface Shopper {
  id: number;
  firstName: string;
  lastName: string;
  email: string;
  city: string;
  province: string;
  provinceCode: string;
  zip: string;
  ordersCount: number;
}

export interface LineSpec {
  lineId: number;
  product: Product;
  quantity: number;
  discountCents: number;
}

export interface OrderSpec {
  orderId: number;
  orderNumber: number;
  checkoutId: number;
  createdAt: number;
  updatedAt: number;
  cancelledAt: number | null;
  financialStatus: "pending" | "paid" | "partially_refunded" | "refunded" | "voided";
  lines: LineSpec[];
  discountCode: string | null;
  discountCents: number;
  shippingCents: number;
  taxCents: number;
  shopper: Shopper;
  /** Only for orders cancelled after payment: the refund that returned the money. */
  refunds: RefundSpec[];
}

export interface RefundSpec {
  refundId: number;
  orderId: number;
  createdAt: number;
  lines: { lineId: number; product: Product; quantity: number; subtotalCents: number }[];
  amountCents: number;
  transactionId: number;
}

export interface ShopContext {
  shop: string;
  currency: string;
  timeZone: string;
  locationId: number;
}

export interface CheckoutSpec {
  checkoutId: number;
  createdAt: number;
  lines: LineSpec[];
  shopper: Shopper;
}

export function orderTotals(spec: Pick<OrderSpec, "lines" | "discountCents" | "shippingCents" | "taxCents">) {
  const lineTotal = spec.lines.reduce(
    (sum, l) => sum + l.product.priceCents * l.quantity - l.discountCents,
    0,
  );
  const subtotal = lineTotal - spec.discountCents;
  return {
    lineTotal,
    subtotal,
    total: subtotal + spec.shippingCents + spec.taxCents,
    discounts: spec.discountCents + spec.lines.reduce((sum, l) => sum + l.discountCents, 0),
  };
}
