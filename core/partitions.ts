import { z } from "zod";
import { eventSubject, type CanonicalEvent } from "./events.ts";

/**
 * Processor replicas own shops by partition. Every service that publishes to EVENTS reads the count
 * (a shop's events must land on its partition's subjects); a processor also reads which one is its.
 * Changing the count moves shops between partitions: drain the stream first (docs/scaling.md).
 */
export const MAX_PARTITIONS = 64;

export const partitionsEnv = z.object({
  PROCESSOR_PARTITIONS: z.coerce.number().int().min(1).max(MAX_PARTITIONS).default(1),
});

export const replicaEnv = partitionsEnv
  .extend({ PROCESSOR_PARTITION: z.coerce.number().int().min(0).max(MAX_PARTITIONS).default(0) })
  .refine((env) => env.PROCESSOR_PARTITION < env.PROCESSOR_PARTITIONS, {
    message: "PROCESSOR_PARTITION must be below PROCESSOR_PARTITIONS (partitions are numbered from 0)",
    path: ["PROCESSOR_PARTITION"],
  });

/** Which partition a replica owns, of how many. */
export interface Partition {
  index: number;
  count: number;
}

export const WHOLE: Partition = { index: 0, count: 1 };

export function replicaPartition(env: z.infer<typeof replicaEnv>): Partition {
  return { index: env.PROCESSOR_PARTITION, count: env.PROCESSOR_PARTITIONS };
}

/**
 * FNV-1a over the platform and the shop: stable across processes, Node versions and restarts (a
 * shop must hash to the same partition in every ingest and every replica), and cheap per webhook.
 */
export function shopPartition(platform: string, shop: string, count: number): number {
  return keyPartition(`${platform}:${shop}`, count);
}

/** The same hash over any key: a behaviour site's beacons, too, have one partition everywhere. */
export function keyPartition(key: string, count: number): number {
  if (count === 1) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % count;
}

/**
 * `evt.<platform>.<shop>.<type>` with the shop's partition as a fifth token when there is more
 * than one. One partition keeps today's subjects, so a single replica needs no migration.
 */
export function partitionedSubject(
  event: Pick<CanonicalEvent, "platform" | "shop" | "type">,
  count: number,
): string {
  const subject = eventSubject(event);
  return count === 1 ? subject : `${subject}.${shopPartition(event.platform, event.shop, count)}`;
}

/**
 * A consumer's filter narrowed to one partition: `evt.>` becomes `evt.*.*.*.<p>`, `evt.*.*.payment`
 * becomes `evt.*.*.payment.<p>`. The whole stream when there is one partition.
 */
export function partitionFilter(filter: string, partition: Partition): string {
  if (partition.count === 1) return filter;
  const base = filter === "evt.>" ? "evt.*.*.*" : filter;
  if (base.split(".").length !== 4 || base.endsWith(">"))
    throw new Error(`cannot partition the filter ${filter}: expected evt.> or four tokens`);
  return `${base}.${partition.index}`;
}

/** Each partition has its own durable consumers (`orders_p1`): their positions are independent. */
export function partitionConsumerName(name: string, partition: Partition): string {
  return partition.count === 1 ? name : `${name}_p${partition.index}`;
}
