import type { JetStreamClient } from "@nats-io/jetstream";
import { behaviourMsgId, behaviourSubject, type InteractionBatch } from "../../core/interaction.ts";

export type PublishInteractions = (batch: InteractionBatch) => Promise<{ duplicate: boolean }>;

/**
 * Publishes a batch to the BEHAVIOUR stream and resolves when JetStream stored it. The message id
 * (site, page view, batch number) lets the broker drop a beacon the browser sent twice.
 * `partitions` is PROCESSOR_PARTITIONS: each batch goes to the subject of its site's partition.
 */
export function interactionPublisher(
  js: JetStreamClient,
  timeoutMs: number,
  partitions = 1,
): PublishInteractions {
  return async (batch) => {
    const ack = await js.publish(behaviourSubject(batch.site, partitions), JSON.stringify(batch), {
      msgID: behaviourMsgId(batch),
      timeout: timeoutMs,
    });
    return { duplicate: ack.duplicate };
  };
}
