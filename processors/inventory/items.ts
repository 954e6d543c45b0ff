import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { shopKeyString } from "./dirty.ts";

/** Stock reports of an item no product event has mapped yet are filed under this key. */
export const unmappedSku = (inventoryItemId: string) => `item:${inventoryItemId}`;

/**
 * Which SKU each inventory item holds, per shop: loaded from `inventory_items` the first time a shop
 * is seen, then kept current from product events. Used only to decide which SKU to recompute; the
 * forecaster itself resolves SKUs from the table, so a lost cache entry costs nothing but a lookup.
 */
export class ItemSkus {
  private readonly db: QuestDb;
  private readonly shops = new Map<string, Map<string, string>>();

  constructor(db: QuestDb) {
    this.db = db;
  }

  async skuOf(platform: string, shop: string, item: string): Promise<string> {
    const map = await this.shop(platform, shop);
    return map.get(item) ?? unmappedSku(item);
  }

  learn(platform: string, shop: string, item: string, sku: string): void {
    this.shops.get(shopKeyString({ platform, shop }))?.set(item, sku);
  }

  private async shop(platform: string, shop: string): Promise<Map<string, string>> {
    const key = shopKeyString({ platform, shop });
    let map = this.shops.get(key);
    if (!map) {
      map = await loadItemSkus(this.db, platform, shop);
      this.shops.set(key, map);
    }
    return map;
  }
}

export async function loadItemSkus(
  db: QuestDb,
  platform: string,
  shop: string,
): Promise<Map<string, string>> {
  const result = await db.exec<[string, string]>(
    `SELECT inventory_item_id, sku FROM inventory_items
     WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}
     LATEST ON updated_at PARTITION BY inventory_item_id`,
  );
  return new Map(result.dataset);
}
