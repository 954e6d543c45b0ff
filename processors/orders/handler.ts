import type { CanonicalEvent, Order } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import type { QuestDb } from "../../core/questdb.ts";
import type { BatchHandler } from "../consumer.ts";
import { OrderVersions } from "./freshness.ts";
import { writeOrderRows, writeRefundRow } from "./rows.ts";

type OrderEvent = Extract<CanonicalEvent, { type: "order" }>;

/**
 * Writes order, line and refund facts for a batch of events in one QuestDB request. Stale order
 * states are dropped (and acked: they are fully handled by being ignored).
 */
export function ordersHandler(db: QuestDb, log: Logger): BatchHandler {
  const versions = new OrderVersions(db);
  return async (events, sender) => {
    const orders = events.filter((e): e is OrderEvent => e.type === "order");
    const { fresh, stale } = await versions.fresh(
      orders.map((event) => ({ event, platform: event.platform, shop: event.shop, ...pick(event.order) })),
    );
    if (stale.length) log.debug({ stale: stale.length }, "stale order updates ignored");

    for (const { event } of fresh) {
      await writeOrderRows(sender, event, event.order);
    }
    for (const event of events) {
      if (event.type === "refund") await writeRefundRow(sender, event, event.refund);
    }
    await sender.flush();
    versions.remember(fresh);
  };
}

function pick(order: Order) {
  return { orderId: order.orderId, createdAt: order.createdAt, updatedAt: order.updatedAt };
}
