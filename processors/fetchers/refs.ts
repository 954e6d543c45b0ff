import type { CanonicalEvent, RefEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import type { PlatformApi } from "../../platforms/adapter.ts";
import type { Publish } from "../../ingest/publish.ts";
import type { BatchHandler } from "../consumer.ts";
import type { RefundTimes } from "./refund-times.ts";

export const apiKey = (platform: string, shop: string) => `${platform}\u0000${shop}`;

/**
 * Resolves `ref` events into canonical events and publishes them to EVENTS (through the usual
 * `Nats-Msg-Id` dedupe); the refs are acked only after JetStream stored what they became. A resource
 * named several times in one batch is fetched once: the platform answers with its current state anyway.
 */
export function refsHandler(options: {
  apis: Map<string, PlatformApi>;
  refundTimes: RefundTimes;
  publish: Publish;
  log: Logger;
}): BatchHandler {
  const { apis, refundTimes, publish, log } = options;
  return async (events) => {
    const unique = new Map<string, RefEvent>();
    for (const event of events) {
      if (event.type !== "ref") continue;
      unique.set([event.platform, event.shop, event.ref.resource, event.ref.id].join("\u0000"), event);
    }
    const resolved: CanonicalEvent[] = [];
    for (const ref of unique.values()) {
      if (ref.ref.refund) {
        const refund = await refundTimes.settle(ref);
        resolved.push({
          v: 1,
          platform: ref.platform,
          shop: ref.shop,
          type: "refund",
          eventId: `refund:${refund.refundId}`,
          receivedAt: ref.receivedAt,
          refund,
        });
        continue;
      }
      const api = apis.get(apiKey(ref.platform, ref.shop));
      if (!api) {
        // Acked, not retried: without credentials for this shop no retry can succeed. Said loudly.
        log.error(
          { platform: ref.platform, shop: ref.shop, resource: ref.ref.resource, id: ref.ref.id },
          "no API access for this shop: reference not resolved",
        );
        continue;
      }
      resolved.push(...(await api.resolve(ref)));
    }
    if (resolved.length) await publish(resolved);
    log.debug({ refs: unique.size, published: resolved.length }, "refs resolved");
  };
}
