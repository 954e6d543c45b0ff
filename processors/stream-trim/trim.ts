import type { ConsumerInfo, JetStreamManager, StreamInfo } from "@nats-io/jetstream";

/** What one pass did: nothing needed, waited for consumers, was held back by one, or removed messages. */
export type TrimResult =
  | { kind: "room" }
  | { kind: "waiting"; missing: string[] }
  | { kind: "held"; by: string; floor: number }
  | { kind: "trimmed"; upTo: number; removed: number };

export interface TrimOptions {
  stream: string;
  /** Durable consumers that must exist before anything goes: a partition whose replica never ran has none yet. */
  required: readonly string[];
  /** Trim only while the stream holds more than this share of its max_bytes, and down to it. */
  keepShare: number;
}

/**
 * One pass of making room in a bounded, `discard: new` stream: removes its oldest messages, but only
 * those every consumer has acknowledged, and only while it is fuller than `keepShare` of its limit.
 * Below that the acknowledged history stays (a consumer added later replays it).
 */
export async function trimAcknowledged(jsm: JetStreamManager, options: TrimOptions): Promise<TrimResult> {
  // Stream first: a consumer that is caught up when listed after it has handled at least this much.
  const info = await jsm.streams.info(options.stream);
  const excess = excessBytes(info, options.keepShare);
  if (excess <= 0) return { kind: "room" };

  const consumers: ConsumerInfo[] = [];
  for await (const consumer of jsm.consumers.list(options.stream)) consumers.push(consumer);
  const names = new Set(consumers.map((c) => c.name));
  const missing = options.required.filter((name) => !names.has(name));
  if (missing.length || !consumers.length) return { kind: "waiting", missing };

  const holder = consumers
    .map((c) => ({ name: c.name, floor: handledUpTo(c, info) }))
    .reduce((low, c) => (c.floor < low.floor ? c : low));
  const { first_seq: first, bytes, messages } = info.state;
  const upTo = Math.min(holder.floor, first - 1 + Math.ceil(excess / (bytes / messages)));
  // upTo ≥ first ≥ 1, so the purge's seq is at least 2: nats-server 2.9.10 purges the whole stream for seq 1.
  if (upTo < first) return { kind: "held", by: holder.name, floor: holder.floor };
  const { purged } = await jsm.streams.purge(options.stream, { seq: upTo + 1 });
  return { kind: "trimmed", upTo, removed: purged };
}

function excessBytes(info: StreamInfo, keepShare: number): number {
  const max = info.config.max_bytes;
  if (max <= 0 || !info.state.messages) return 0;
  return info.state.bytes - max * keepShare;
}

/**
 * The stream sequence up to which a consumer has acknowledged everything it will ever be given. A
 * filtered consumer with nothing pending has handled everything (its ack floor stays at the last
 * message its filter matched, which may be long ago).
 */
function handledUpTo(consumer: ConsumerInfo, info: StreamInfo): number {
  if (consumer.num_pending === 0 && consumer.num_ack_pending === 0) return info.state.last_seq;
  return consumer.ack_floor.stream_seq;
}
