import type { KV } from "@nats-io/kv";
import { boundedToken, type RefEvent, type Refund } from "../../core/events.ts";

/**
 * WooCommerce shows refunds only inside the order (`refunds[]`), without a time of their own, and
 * every later `order.updated` shows them again with a newer modification time. The first sighting's
 * time is kept once per refund in a NATS KV bucket (an atomic create, so replicas and restarts agree),
 * and every later sighting reuses it: the refund keeps one time, and so one row, however often it is seen.
 */
export class RefundTimes {
  private readonly kv: KV;

  constructor(kv: KV) {
    this.kv = kv;
  }

  async settle(ref: RefEvent): Promise<Refund> {
    const refund = ref.ref.refund;
    if (!refund) throw new Error(`ref ${ref.eventId} carries no refund to settle`);
    const key = [ref.platform, ref.shop, refund.refundId].map(boundedToken).join(".");
    try {
      await this.kv.create(key, refund.createdAt);
      return refund;
    } catch (err) {
      const stored = await this.kv.get(key);
      const createdAt = stored?.string();
      if (!createdAt)
        throw new Error(`cannot settle refund ${refund.refundId}: ${String(err)}`, { cause: err });
      return { ...refund, createdAt };
    }
  }
}
