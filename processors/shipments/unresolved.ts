import type { Label } from "./label.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * First retry seconds after the miss (most misses are an order QuestDB had not applied yet), then
 * twice as long each time, never more than an hour apart.
 */
export const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 60 * MINUTE;
/**
 * Labels whose order has not come this long after their first miss are let go: an order that late
 * comes by catch-up or reconciliation, and a label of a store not connected here (a marketplace
 * order shipped through the same ShipStation account) never finds one. Counted from the miss, not
 * from the label's purchase, so a shipper's backfill of old labels waits as long as a new label.
 */
export const GIVE_UP_AFTER_MS = 2 * DAY;

interface Waiting {
  label: Label;
  dueAt: number;
  waitMs: number;
  firstMissAt: number;
}

/**
 * Labels whose reference named no order yet (the order's webhook late, or not applied in QuestDB
 * when the label was written), each with when to look again. Bounded: past `capacity` the label
 * waiting longest is let go, and counted.
 */
export class UnresolvedLabels {
  private readonly waiting = new Map<string, Waiting>();
  private readonly capacity: number;
  droppedForRoom = 0;
  gaveUp = 0;

  constructor(capacity = 50_000) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.waiting.size;
  }

  /**
   * Remembers the newest state of a label that found no order, or lets it go if it is too old to
   * wait for one. A label already waiting keeps its turn; one that missed again on its turn
   * (`retried`) waits twice as long as last time.
   */
  miss(label: Label, now = Date.now(), retried = false): void {
    const key = labelKey(label);
    const before = this.waiting.get(key);
    this.waiting.delete(key);
    const firstMissAt = before?.firstMissAt ?? now;
    if (now - firstMissAt > GIVE_UP_AFTER_MS) {
      this.gaveUp += 1;
      return;
    }
    if (before && !retried) {
      this.waiting.set(key, { ...before, label });
      return;
    }
    const waitMs = before ? Math.min(before.waitMs * 2, LONGEST_RETRY_MS) : FIRST_RETRY_MS;
    this.waiting.set(key, { label, dueAt: now + waitMs, waitMs, firstMissAt });
    for (const oldest of this.waiting.keys()) {
      if (this.waiting.size <= this.capacity) break;
      this.waiting.delete(oldest);
      this.droppedForRoom += 1;
    }
  }

  /** A label that found its order (or has a newer state on its way through the handler) waits no more. */
  forget(label: Label): void {
    this.waiting.delete(labelKey(label));
  }

  /** Whether any label is due for another look (the retry timer asks this every few seconds). */
  anyDue(now = Date.now()): boolean {
    for (const w of this.waiting.values()) if (w.dueAt <= now) return true;
    return false;
  }

  /** The labels due for another look; they stay remembered until `forget` or the next `miss`. */
  due(now = Date.now()): Label[] {
    return [...this.waiting.values()].filter((w) => w.dueAt <= now).map((w) => w.label);
  }
}

/** One label of one shipper account. */
export const labelKey = (label: Label) =>
  `${label.shipper}\u0000${label.account}\u0000${label.shipment.shipmentId}`;
