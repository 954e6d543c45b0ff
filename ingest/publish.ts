import type { JetStreamClient } from "@nats-io/jetstream";
import { eventSubject, type CanonicalEvent } from "../core/events.ts";

export type Publish = (events: CanonicalEvent[]) => Promise<{ duplicates: number }>;

/**
 * Publishes canonical events and resolves only when JetStream has stored every one (or recognised
 * it as a duplicate by `Nats-Msg-Id`); rejects when the broker can't answer within `timeoutMs`.
 */
export function jetStreamPublisher(js: JetStreamClient, timeoutMs: number): Publish {
  return async (events) => {
    const acks = await Promise.all(
      events.map((event) =>
        js.publish(eventSubject(event), JSON.stringify(event), {
          msgID: `${event.platform}:${event.shop}:${event.eventId}`,
          timeout: timeoutMs,
        }),
      ),
    );
    return { duplicates: acks.filter((ack) => ack.duplicate).length };
  };
}
