import type { InteractionBatch } from "../../core/interaction.ts";

/**
 * Behaviour rows per second the processor may write to QuestDB. QuestDB is shared with the order
 * tables on the same cores: a beacon flood written as fast as it comes makes the orders' commits
 * and the dashboards' queries wait behind it (docs/benchmarks.md). Capped, the surplus waits in the
 * BEHAVIOUR stream instead, where it costs nothing but disk.
 */
export class RowBudget {
  private readonly perSecond: number;
  private tokens: number;
  private at: number;
  private readonly clock: () => number;

  constructor(perSecond: number, clock: () => number = Date.now) {
    this.perSecond = perSecond;
    this.tokens = perSecond; // a second's worth at once
    this.clock = clock;
    this.at = clock();
  }

  /** The most rows one write should carry: a second's worth, so no write waits longer than that. */
  get chunkRows(): number {
    return Math.max(1, Math.floor(this.perSecond));
  }

  /** How long to wait before `rows` may be written (0: now); the rows are then counted as spent. */
  take(rows: number): number {
    const now = this.clock();
    this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.at) * this.perSecond) / 1000);
    this.at = now;
    const waitMs = this.tokens >= rows ? 0 : Math.ceil(((rows - this.tokens) * 1000) / this.perSecond);
    this.tokens -= rows; // in debt until the wait is over
    return waitMs;
  }
}

/** Rows one batch writes: its page view, its clicks, and at most one scroll row. */
export function rowsOf(batch: InteractionBatch): number {
  let clicks = 0;
  let scroll = 0;
  for (const event of batch.events) {
    if (event.k === "click") clicks++;
    else scroll = 1;
  }
  return 1 + clicks + scroll;
}

/** Consecutive runs of items of at most `maxRows` rows each (an item larger than that runs alone). */
export function chunksOf<T>(items: readonly T[], rows: (item: T) => number, maxRows: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let inCurrent = 0;
  for (const item of items) {
    const n = rows(item);
    if (current.length && inCurrent + n > maxRows) {
      chunks.push(current);
      current = [];
      inCurrent = 0;
    }
    current.push(item);
    inCurrent += n;
  }
  if (current.length) chunks.push(current);
  return chunks;
}
