import type { JetStreamClient } from "@nats-io/jetstream";
import { behaviourMsgId, behaviourSubject, type InteractionBatch } from "../../core/interaction.ts";

export type PublishInteractions = (batch: InteractionBatch) => Promise<{ duplicate: boolean }>;

/**
 * Publishes a batch to the BEHAVIOUR stream and resolves when JetStream stored it. The message id
 * (site, page view, batch number) lets the broker drop a beacon the browser sent twice.
 */
export function interactionPublisher(js: JetStreamClient, timeoutMs: number): PublishInteractions {
  return async (batch) => {
    const ack = await js.publish(behaviourSubject(batch.site), JSON.stringify(batch), {
      msgID: behaviourMsgId(batch),
      timeout: timeoutMs,
    });
    return { duplicate: ack.duplicate };
  };
}
