import { deliver, type DeliveryOptions } from "./deliver.ts";
import type { Webhook } from "./feed.ts";

/**
 * The history, planned a chunk at a time and delivered before the next chunk is planned, oldest
 * first: the demo holds a few thousand webhooks at a time instead of the whole week (at 200 orders a
 * minute that was millions, planned before anything was served). The simulation only runs forward —
 * each shop's feed keeps the state its platform's API answers from — so there is one pass, in time
 * order, and every chunk ends at an instant through which all sources have given their webhooks:
 * once a chunk and all before it are accepted, everything due up to its end is sent (the watermark
 * the state file records, so a crash mid-history resumes there instead of sending twice).
 */

/** Something that gives webhooks in time order as it moves forward (a shop's store, a follower). */
export interface HistorySource {
  advance(until: number): Webhook[];
  to: DeliveryOptions;
}

export interface PlannedWebhook {
  webhook: Webhook;
  to: DeliveryOptions;
  /** Index of its source in the plan's list. */
  source: number;
}

export interface HistoryChunk {
  /** Every source has given its webhooks due up to here (inclusive). */
  until: number;
  items: PlannedWebhook[];
}

/** Simulated time moved per step; a chunk is as many steps as reach `chunkSize` webhooks. */
const STEP_MS = 60_000;
/** Webhooks per chunk: a crash resends at most this many (same ids, deduplicated); the tail of one chunk barely idles the workers. */
export const CHUNK_WEBHOOKS = 500;

export class HistoryPlan {
  private readonly sources: readonly HistorySource[];
  private readonly until: () => number;
  private readonly chunkSize: number;
  private at: number;
  private finished = false;

  /**
   * `sources` in the order they must move: a follower hears of orders from the shops' feeds, so the
   * shops come first. `from` is where every source stands (nothing due up to it is left to give);
   * `until` is read at each chunk, so the history runs up to the present, however long it takes.
   */
  constructor(
    sources: readonly HistorySource[],
    from: number,
    until: () => number,
    chunkSize = CHUNK_WEBHOOKS,
  ) {
    this.sources = sources;
    this.until = until;
    this.chunkSize = chunkSize;
    this.at = from;
  }

  /** The next chunk in time order, or undefined once the plan has reached `until`. */
  next(): HistoryChunk | undefined {
    if (this.finished) return undefined;
    const end = this.until();
    const items: PlannedWebhook[] = [];
    while (this.at < end && items.length < this.chunkSize) {
      this.at = Math.min(end, this.at + STEP_MS);
      this.sources.forEach((s, source) => {
        for (const webhook of s.advance(this.at)) items.push({ webhook, to: s.to, source });
      });
    }
    if (this.at >= end) this.finished = true;
    // Each source's webhooks are in time order already; the chunk interleaves them (stable sort).
    items.sort((a, b) => a.webhook.at - b.webhook.at);
    return { until: this.at, items };
  }
}

export interface HistoryDelivery {
  concurrency: number;
  stopped?: () => boolean;
  /** After each accepted webhook. */
  accepted?: (item: PlannedWebhook, done: number) => void;
  /** Everything due up to `until` is accepted (called in increasing order). */
  sentThrough?: (until: number) => void;
}

/**
 * Delivers the plan's chunks with at most `concurrency` webhooks in flight, planning the next
 * chunk when the current one is handed out. Resolves with how many were accepted and the last
 * watermark; rejects with the first webhook ingest would not take (the others stop; the watermark
 * stays where it was, so a restart resends from there).
 */
export async function deliverHistory(
  plan: Pick<HistoryPlan, "next">,
  options: HistoryDelivery,
): Promise<{ sent: number; through: number | undefined }> {
  // Chunks handed out whose webhooks are not all accepted yet, oldest first.
  const open: { until: number; left: number }[] = [];
  let current: { chunk: HistoryChunk; index: number; entry: { until: number; left: number } } | undefined;
  let exhausted = false;
  let failed = false;
  let sent = 0;
  let through: number | undefined;

  const settle = () => {
    while (open[0]?.left === 0) {
      through = open.shift()!.until;
      options.sentThrough?.(through);
    }
  };
  const take = () => {
    while (!current || current.index >= current.chunk.items.length) {
      if (exhausted) return undefined;
      const chunk = plan.next();
      if (!chunk) {
        exhausted = true;
        return undefined;
      }
      const entry = { until: chunk.until, left: chunk.items.length };
      open.push(entry);
      current = { chunk, index: 0, entry };
      settle(); // a quiet stretch may plan no webhook at all
    }
    return { item: current.chunk.items[current.index++]!, entry: current.entry };
  };
  const worker = async () => {
    while (!failed && !options.stopped?.()) {
      const next = take();
      if (!next) return;
      try {
        await deliver(next.item.webhook, { ...next.item.to, stopped: options.stopped });
      } catch (err) {
        failed = true;
        throw err;
      }
      next.entry.left--;
      sent++;
      options.accepted?.(next.item, sent);
      settle();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return { sent, through };
}

/**
 * Moves each source forward to its own `until` without sending anything (a restart rebuilding stock,
 * follow-ups and the platforms' API state), a step at a time so nothing piles up, and yielding
 * between steps so what the demo serves keeps answering meanwhile.
 */
export async function replaySilently(
  sources: readonly { advance(until: number): unknown; until: number }[],
  from: number,
  stepMs = 10 * STEP_MS,
): Promise<void> {
  const end = Math.max(from, ...sources.map((s) => s.until));
  for (let at = from; at < end;) {
    at = Math.min(end, at + stepMs);
    for (const s of sources) s.advance(Math.min(at, s.until));
    await new Promise((resolve) => setImmediate(resolve));
  }
}
