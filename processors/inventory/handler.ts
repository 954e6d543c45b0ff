import type { CanonicalEvent } from "../../core/events.ts";
import { toMicros } from "../../core/questdb.ts";
import type { BatchHandler } from "../consumer.ts";
import type { DirtySkus } from "./dirty.ts";
import type { ItemSkus } from "./items.ts";

/**
 * Writes stock reports and the item → SKU map, and marks the SKUs each event touches so the
 * forecaster recomputes them. Order lines are written by the orders processor; sales only mark here.
 */
export function inventoryHandler(
  items: ItemSkus,
  dirty: DirtySkus,
  clock: () => number = Date.now,
): BatchHandler {
  return async (events: CanonicalEvent[], sender) => {
    const touched: { platform: string; shop: string; sku: string }[] = [];
    const learned: { platform: string; shop: string; item: string; sku: string }[] = [];
    for (const event of events) {
      const { platform, shop } = event;
      if (event.type === "order") {
        for (const line of event.order.lines) touched.push({ platform, shop, sku: line.sku });
      } else if (event.type === "inventory_level") {
        const level = event.inventoryLevel;
        const row = sender
          .table("inventory_reports")
          .symbol("platform", platform)
          .symbol("shop", shop)
          .symbol("inventory_item_id", level.inventoryItemId)
          .symbol("location_id", level.locationId);
        if (level.sku) row.symbol("sku", level.sku);
        if (level.available !== null) row.intColumn("available", level.available);
        await row
          .timestampColumn("received_at", toMicros(event.receivedAt), "us")
          .at(toMicros(level.updatedAt), "us");
        const sku = level.sku ?? (await items.skuOf(platform, shop, level.inventoryItemId));
        touched.push({ platform, shop, sku });
      } else if (event.type === "product") {
        const product = event.product;
        for (const variant of product.variants) {
          if (!variant.inventoryItemId) continue;
          await sender
            .table("inventory_items")
            .symbol("platform", platform)
            .symbol("shop", shop)
            .symbol("inventory_item_id", variant.inventoryItemId)
            .symbol("sku", variant.sku)
            .stringColumn("product_id", product.productId)
            .stringColumn("variant_id", variant.variantId)
            .at(toMicros(product.updatedAt), "us");
          // The SKU the item's reports were filed under until now must be recomputed too.
          touched.push({ platform, shop, sku: await items.skuOf(platform, shop, variant.inventoryItemId) });
          touched.push({ platform, shop, sku: variant.sku });
          learned.push({ platform, shop, item: variant.inventoryItemId, sku: variant.sku });
        }
      }
    }
    await sender.flush();
    for (const l of learned) items.learn(l.platform, l.shop, l.item, l.sku);
    const now = clock();
    for (const key of touched) dirty.mark(key, now);
  };
}
