/** A SKU of one shop, the unit the forecaster recomputes. */
export interface SkuKey {
  platform: string;
  shop: string;
  sku: string;
}

/** A shop, the unit of a full pass. */
export interface ShopKey {
  platform: string;
  shop: string;
}

/** What is due: single SKUs, and shops so many of whose SKUs changed that all of them are recomputed. */
export interface DueWork {
  skus: SkuKey[];
  shops: ShopKey[];
}

const SEP = "\u0000";
export const skuKeyString = (k: SkuKey) => `${k.platform}${SEP}${k.shop}${SEP}${k.sku}`;
export const shopKeyString = (k: ShopKey) => `${k.platform}${SEP}${k.shop}`;

/**
 * Past this many marked SKUs a shop is marked whole instead: a backlog of a store with a million
 * SKUs would otherwise hold a key and two due times per SKU (the processors' memory grew with the
 * SKUs sold, docs/benchmarks.md), and a pass over that many is most of a full pass anyway.
 */
export const DIRTY_SKUS_PER_SHOP = 50_000;

interface ShopMarks extends ShopKey {
  skus: Map<string, number[]>;
  /** Due times of a pass over every SKU of the shop, once it overflowed. */
  whole?: number[];
}

/**
 * SKUs whose numbers changed. Each mark is due twice: at once, and again `settleMs` later, because
 * the order lines a sale refers to are written by the orders consumer, which may commit after we
 * saw the event; the second pass reads them for sure. A shop with more than `maxPerShop` marked
 * SKUs is due whole, at the same times, until both are handed out.
 */
export class DirtySkus {
  private readonly shops = new Map<string, ShopMarks>();
  private readonly settleMs: number;
  private readonly maxPerShop: number;

  constructor(settleMs: number, maxPerShop = DIRTY_SKUS_PER_SHOP) {
    this.settleMs = settleMs;
    this.maxPerShop = maxPerShop;
  }

  mark(key: SkuKey, now: number): void {
    const marks = this.marksOf(key);
    const due = [now, now + this.settleMs];
    if (marks.whole) {
      marks.whole = due;
      return;
    }
    marks.skus.set(key.sku, due);
    if (marks.skus.size > this.maxPerShop) {
      // Every SKU's pending times are at or before these: the whole pass covers them all.
      marks.skus.clear();
      marks.whole = due;
    }
  }

  /** A whole shop due, as when it overflowed (a failed full pass is marked again this way). */
  markShop(key: ShopKey, now: number): void {
    const marks = this.marksOf(key);
    marks.skus.clear();
    marks.whole = [now, now + this.settleMs];
  }

  /** What is due by `now`; each SKU or shop is handed out once per due time. */
  take(now: number): DueWork {
    const work: DueWork = { skus: [], shops: [] };
    for (const [id, marks] of this.shops) {
      if (marks.whole) {
        const rest = dueBy(marks.whole, now);
        if (rest !== marks.whole) work.shops.push({ platform: marks.platform, shop: marks.shop });
        if (rest.length) marks.whole = rest;
        else delete marks.whole;
      }
      for (const [sku, times] of marks.skus) {
        const rest = dueBy(times, now);
        if (rest === times) continue;
        work.skus.push({ platform: marks.platform, shop: marks.shop, sku });
        if (rest.length) marks.skus.set(sku, rest);
        else marks.skus.delete(sku);
      }
      if (!marks.whole && !marks.skus.size) this.shops.delete(id);
    }
    return work;
  }

  /** Marked SKUs, a whole shop counting as one. */
  get size(): number {
    let n = 0;
    for (const marks of this.shops.values()) n += marks.skus.size + (marks.whole ? 1 : 0);
    return n;
  }

  private marksOf(key: ShopKey): ShopMarks {
    const id = shopKeyString(key);
    let marks = this.shops.get(id);
    if (!marks) {
      marks = { platform: key.platform, shop: key.shop, skus: new Map() };
      this.shops.set(id, marks);
    }
    return marks;
  }
}

/** The times after `now`; the same array when none was due. */
function dueBy(times: number[], now: number): number[] {
  if (times[0]! > now) return times;
  return times.filter((t) => t > now);
}
