import type { JetStreamClient, JetStreamManager } from "@nats-io/jetstream";
import type { ProcessorsConfig } from "../core/config.ts";
import type { Logger } from "../core/log.ts";
import { partitionedSubject, type Partition } from "../core/partitions.ts";
import { startConsumer, type BatchHandler, type RunningConsumer } from "./consumer.ts";

/**
 * With several partitions no replica reads the plain `evt.<platform>.<shop>.<type>` subjects. A
 * publisher started without PROCESSOR_PARTITIONS (or a script publishing by hand) would leave its
 * events there unread: partition 0 moves them to their shop's partition instead, and says so.
 * The copy gets a msg id of its own: under the original one, JetStream would take it for a duplicate.
 */
export function moveToPartitions(js: JetStreamClient, count: number, log: Logger): BatchHandler {
  return async (events) => {
    await Promise.all(
      events.map((event) =>
        js.publish(partitionedSubject(event, count), JSON.stringify(event), {
          msgID: `partitioned:${event.platform}:${event.shop}:${event.eventId}`,
        }),
      ),
    );
    log.warn(
      {
        events: events.length,
        shops: [...new Set(events.map((e) => `${e.platform}:${e.shop}`))].slice(0, 10),
      },
      "events published without their partition (is PROCESSOR_PARTITIONS set for every service?): moved to their partitions",
    );
  };
}

/** The mover's consumer, on partition 0 only, when there is more than one partition. */
export async function startUnpartitionedMover(deps: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: Logger;
  config: ProcessorsConfig;
  partition: Partition;
  sender: Parameters<typeof startConsumer>[0]["sender"];
}): Promise<RunningConsumer | undefined> {
  const { partition, config } = deps;
  if (partition.count === 1 || partition.index !== 0) return undefined;
  return startConsumer({
    name: "unpartitioned",
    js: deps.js,
    jsm: deps.jsm,
    sender: deps.sender,
    handle: moveToPartitions(deps.js, partition.count, deps.log),
    log: deps.log,
    batchMaxMessages: config.BATCH_MAX_MESSAGES,
    batchMaxWaitMs: config.BATCH_MAX_WAIT_MS,
    maxDeliveries: config.MAX_DELIVERIES,
    ackWaitMs: config.ACK_WAIT_MS,
    filterSubject: "evt.*.*.*",
  });
}
