import type { CanonicalEvent } from "../../core/events.ts";
import { toMicros } from "../../core/questdb.ts";
import type { BatchHandler } from "../consumer.ts";
import { RECEIPT_ROW_TIMESTAMP } from "./schema.ts";

interface Receipt {
  platform: string;
  shop: string;
  at: string;
  type: CanonicalEvent["type"];
}

const keyOf = (platform: string, shop: string) => `${platform}\u0000${shop}`;

/** Per shop, the batch's newest event that came by webhook (ingest marks them `via: "webhook"`). */
export function newestReceipts(events: readonly CanonicalEvent[]): Map<string, Receipt> {
  const newest = new Map<string, Receipt>();
  for (const event of events) {
    if (event.via !== "webhook") continue;
    const key = keyOf(event.platform, event.shop);
    const seen = newest.get(key);
    if (!seen || Date.parse(event.receivedAt) > Date.parse(seen.at))
      newest.set(key, { platform: event.platform, shop: event.shop, at: event.receivedAt, type: event.type });
  }
  return newest;
}

/**
 * Wraps a consumer's handler so each batch also writes `webhook_receipts`: at most one row per shop
 * per batch, and only when the shop's newest webhook is newer than the one already written, into the
 * same sender and so the same QuestDB request as the batch's own rows (no extra round trip). What was
 * written is remembered only once the batch is, so a failed write is written again with its retry.
 * A redelivery after a restart could write an older receipt than one the last run wrote; the next
 * webhook puts it right.
 */
export function withWebhookReceipts(handle: BatchHandler): BatchHandler {
  const written = new Map<string, number>();
  return async (events, sender) => {
    const fresh = [...newestReceipts(events)].filter(
      ([key, receipt]) => Date.parse(receipt.at) > (written.get(key) ?? -Infinity),
    );
    for (const [, receipt] of fresh) {
      await sender
        .table("webhook_receipts")
        .symbol("platform", receipt.platform)
        .symbol("shop", receipt.shop)
        .symbol("last_type", receipt.type)
        .timestampColumn("last_at", toMicros(receipt.at), "us")
        .at(toMicros(RECEIPT_ROW_TIMESTAMP), "us");
    }
    await handle(events, sender);
    // The handler flushes its own rows; a batch with none of its kind still sends the receipts.
    await sender.flush();
    for (const [key, receipt] of fresh) written.set(key, Date.parse(receipt.at));
  };
}
