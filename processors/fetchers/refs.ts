import type { CanonicalEvent, RefEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import { RefRefused, type PlatformApi } from "../../platforms/adapter.ts";
import type { Publish } from "../../ingest/publish.ts";
import { MessageProblem, type BatchHandler } from "../consumer.ts";
import type { RefundTimes } from "./refund-times.ts";

export const apiKey = (platform: string, shop: string) => `${platform}\u0000${shop}`;

/**
 * Resolves `ref` events into canonical events and publishes them to EVENTS (through the usual
 * `Nats-Msg-Id` dedupe); the refs are acked only after JetStream stored what they became. A resource
 * named several times in one batch is fetched once: the platform answers with its current state anyway.
 */
export function refsHandler(options: {
  apis: { get(platform: string, shop: string): PlatformApi | undefined };
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
      const api = apis.get(ref.platform, ref.shop);
      if (!api) {
        // Retried, then dead-lettered with this reason: a store connected a moment ago may not be
        // followed yet, and a ref kept in the DLQ can be replayed once its credentials are set.
        throw new MessageProblem(
          `no API access for ${ref.platform} shop ${ref.shop}: configure its API or connect the store`,
        );
      }
      resolved.push(...(await resolveOrRefuse(api, ref)));
    }
    if (resolved.length) await publish(resolved);
    log.debug({ refs: unique.size, published: resolved.length }, "refs resolved");
  };
}

/** A reference the platform module refuses for good goes to the dead-letter stream with its reason. */
async function resolveOrRefuse(api: PlatformApi, ref: RefEvent): Promise<CanonicalEvent[]> {
  try {
    return await api.resolve(ref);
  } catch (err) {
    if (err instanceof RefRefused) throw new MessageProblem(err.message);
    throw err;
  }
}
