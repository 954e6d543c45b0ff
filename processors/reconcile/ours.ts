import { sqlString, type QuestDb } from "../../core/questdb.ts";

export interface OurFigures {
  orders: number;
  grossMinor: number;
}

/**
 * Our count and gross of one shop's orders created in `[from, to)`, by the sales figures' rules:
 * test orders never count, cancelled ones are out, pending ones are not sales yet.
 */
export async function ourFigures(
  db: QuestDb,
  shop: { platform: string; shop: string },
  window: { from: Date; to: Date },
): Promise<OurFigures> {
  const { dataset } = await db.exec<[number, number | null]>(
    `SELECT count(), sum(total_minor) FROM orders
     WHERE platform = ${sqlString(shop.platform)} AND shop = ${sqlString(shop.shop)}
       AND created_at >= ${sqlString(window.from.toISOString())} AND created_at < ${sqlString(window.to.toISOString())}
       AND test = false AND status = 'sale'`,
  );
  const [orders, gross] = dataset[0] ?? [0, null];
  return { orders: Number(orders), grossMinor: Number(gross ?? 0) };
}
