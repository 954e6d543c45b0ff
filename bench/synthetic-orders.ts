import type { Order } from "../core/events.ts";

/**
 * The n-th of a run's synthetic orders, in the canonical shape the processors write: created in
 * second ⌊n / rate⌋ after `start` (to the second, as platforms send it), with `lines` lines (the
 * bench's webhooks have two), 5,000 SKUs and 10,007 customers cycling.
 */
export function syntheticOrder(n: number, opts: { start: number; rate: number; lines: number }): Order {
  const createdAt = new Date(opts.start + Math.floor(n / opts.rate) * 1000).toISOString();
  const line = (k: number) => ({
    lineId: `${n}-${k}`,
    productId: `p${n % 97}`,
    variantId: `v${n % 389}`,
    sku: `SKU-${(n * 7 + k) % 5000}`,
    quantity: 1 + k,
    unitPriceMinor: 1999,
    totalMinor: 1999 * (1 + k),
  });
  const lines = Array.from({ length: opts.lines }, (_, k) => line(k));
  const totalMinor = lines.reduce((sum, l) => sum + l.totalMinor, 0);
  return {
    orderId: String(6_000_000_000_000 + n),
    orderNumber: `#${1000 + n}`,
    createdAt,
    updatedAt: createdAt,
    cancelledAt: null,
    status: "sale",
    financialStatus: "paid",
    currency: "USD",
    totalMinor,
    subtotalMinor: totalMinor,
    taxMinor: 0,
    discountMinor: 0,
    shippingMinor: 0,
    test: false,
    customerKey: `c${n % 10007}`,
    lines,
  };
}
