import type { InventoryLevel, Order } from "../../core/events.ts";
import { toMinorUnits } from "../../core/money.ts";
import { legacyId, type GqlLineItem, type GqlOrder } from "./graphql.ts";
import { stockKey } from "./normalise.ts";

/**
 * GraphQL Admin API shapes → the canonical events, yielding exactly what `normalise.ts` yields for
 * the REST shapes webhooks deliver: the same ids (global ids become the numeric ids webhooks carry),
 * the same minor units and the same status words. A live webhook and a backfilled copy of one order
 * therefore write the same row (see normalise-graphql.test.ts).
 */

type MoneyBag = { shopMoney: { amount: string; currencyCode: string } } | null | undefined;

function shopMinor(bag: MoneyBag, currency: string): number {
  if (!bag) return 0;
  if (bag.shopMoney.currencyCode.toUpperCase() !== currency) {
    throw new RangeError(`mixed shop currencies in one order: ${bag.shopMoney.currencyCode} vs ${currency}`);
  }
  return toMinorUnits(bag.shopMoney.amount, currency);
}

const optionalId = (ref: { id: string } | null | undefined) => (ref ? legacyId(ref.id) : null);

export function normaliseGraphqlOrder(
  order: GqlOrder,
  lines: GqlLineItem[],
  customerKeyOf: (customerId: string) => string,
): Order {
  const currency = order.totalPriceSet.shopMoney.currencyCode.toUpperCase();
  return {
    orderId: legacyId(order.id),
    orderNumber: order.name ?? null,
    createdAt: new Date(order.createdAt).toISOString(),
    updatedAt: new Date(order.updatedAt).toISOString(),
    cancelledAt: order.cancelledAt ? new Date(order.cancelledAt).toISOString() : null,
    status: order.cancelledAt ? "cancelled" : "sale",
    // GraphQL's enum (PARTIALLY_REFUNDED) is REST's word (partially_refunded) in capitals.
    financialStatus: order.displayFinancialStatus ? order.displayFinancialStatus.toLowerCase() : null,
    currency,
    totalMinor: shopMinor(order.totalPriceSet, currency),
    subtotalMinor: shopMinor(order.subtotalPriceSet, currency),
    taxMinor: shopMinor(order.totalTaxSet, currency),
    discountMinor: shopMinor(order.totalDiscountsSet, currency),
    shippingMinor: shopMinor(order.totalShippingPriceSet, currency),
    test: order.test,
    customerKey: order.customer ? customerKeyOf(legacyId(order.customer.id)) : null,
    lines: lines.map((line) => {
      const lineId = legacyId(line.id);
      const variantId = optionalId(line.variant);
      const unitPriceMinor = shopMinor(line.originalUnitPriceSet, currency);
      return {
        lineId,
        productId: optionalId(line.product),
        variantId,
        sku: stockKey(line.sku, variantId, lineId),
        quantity: line.quantity,
        unitPriceMinor,
        totalMinor: unitPriceMinor * line.quantity - shopMinor(line.totalDiscountSet, currency),
      };
    }),
  };
}

export function normaliseGraphqlInventoryLevel(
  item: { id: string; sku?: string | null | undefined },
  level: {
    updatedAt?: string | null | undefined;
    location: { id: string };
    quantities: { name: string; quantity: number }[];
  },
  fallbackUpdatedAt: string,
): InventoryLevel {
  const available = level.quantities.find((q) => q.name === "available");
  return {
    inventoryItemId: legacyId(item.id),
    locationId: legacyId(level.location.id),
    sku: item.sku?.trim() || null,
    available: available ? available.quantity : null,
    updatedAt: new Date(level.updatedAt ?? fallbackUpdatedAt).toISOString(),
  };
}
