import type { CanonicalEvent } from "../../core/events.ts";
import { toMicros } from "../../core/questdb.ts";
import type { Sender } from "@questdb/nodejs-client";
import type { Logger } from "../../core/log.ts";
import type { BatchHandler } from "../consumer.ts";
import { RECEIPT_ROW_TIMESTAMP } from "./schema.ts";

export interface Receipt {
  platform: string;
  shop: string;
  at: string;
  type: CanonicalEvent["type"];
}

/** A shop's one `webhook_receipts` row, replacing the one before. */
export async function writeReceipt(sender: Sender, receipt: Receipt): Promise<void> {
  await sender
    .table("webhook_receipts")
    .symbol("platform", receipt.platform)
    .symbol("shop", receipt.shop)
    .symbol("last_type", receipt.type)
    .timestampColumn("last_at", toMicros(receipt.at), "us")
    .at(toMicros(RECEIPT_ROW_TIMESTAMP), "us");
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
 * `webhook_receipts`, written on a timer: every commit of the table costs QuestDB about as much CPU
 * as one of `orders` whatever its one row per shop (bench/commit-mix.ts: 16 % of QuestDB's CPU per
 * order when written with every batch), and Data health shows the time to the second. Batches say
 * what they saw once QuestDB accepted their rows; every `everyMs` the newest receipt of each shop
 * that is newer than the one written goes out in one request of its own, one at a time, so a later
 * write never lands before an earlier one. A failed write is kept and tried on the next tick; what
 * a crash takes is the last `everyMs` of receipts, which the shop's next webhook puts right.
 */
export class ReceiptLog {
  /** Data health reads the receipts to the second; at load this is a fifth of one commit per 400 ms batch. */
  static readonly EVERY_MS = 2_000;

  readonly #written = new Map<string, number>();
  readonly #pending = new Map<string, Receipt>();
  readonly #sender: Sender;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: { sender: Sender; log: Logger; everyMs: number }) {
    this.#sender = options.sender;
    this.#log = options.log;
    this.#timer = setInterval(() => void this.flush(), options.everyMs);
  }

  /** The receipts of a batch whose rows QuestDB accepted. */
  note(events: readonly CanonicalEvent[]): void {
    for (const [key, receipt] of newestReceipts(events)) {
      const at = Date.parse(receipt.at);
      const known = this.#pending.get(key);
      if (at > (this.#written.get(key) ?? -Infinity) && (!known || at > Date.parse(known.at)))
        this.#pending.set(key, receipt);
    }
  }

  /** Writes what is pending, after any write in flight; resolves when it was accepted or failed (logged). */
  flush(): Promise<void> {
    this.#writing = this.#writing.then(() => this.#write());
    return this.#writing;
  }

  /** Stops the timer and writes what is pending once more. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
    await this.#sender.close();
  }

  async #write(): Promise<void> {
    const batch = [...this.#pending];
    if (!batch.length) return;
    this.#pending.clear();
    try {
      for (const [, receipt] of batch) await writeReceipt(this.#sender, receipt);
      await this.#sender.flush();
      for (const [key, receipt] of batch) this.#written.set(key, Date.parse(receipt.at));
    } catch (err) {
      // Kept for the next tick unless a newer receipt of the shop came meanwhile.
      for (const [key, receipt] of batch) if (!this.#pending.has(key)) this.#pending.set(key, receipt);
      this.#log.error(
        { shops: batch.length, err: String(err) },
        "webhook receipts not written, tried again next tick",
      );
    }
  }
}

/** Wraps a consumer's handler so each batch's receipts are noted once its rows were accepted. */
export function withWebhookReceipts(handle: BatchHandler, receipts: ReceiptLog): BatchHandler {
  return async (events, sender) => {
    await handle(events, sender);
    receipts.note(events);
  };
}
