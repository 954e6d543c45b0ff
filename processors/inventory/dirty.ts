/** A SKU of one shop, the unit the forecaster recomputes. */
export interface SkuKey {
  platform: string;
  shop: string;
  sku: string;
}

const SEP = "\u0000";
export const skuKeyString = (k: SkuKey) => `${k.platform}${SEP}${k.shop}${SEP}${k.sku}`;
const parse = (s: string): SkuKey => {
  const [platform = "", shop = "", sku = ""] = s.split(SEP);
  return { platform, shop, sku };
};

/**
 * SKUs whose numbers changed. Each mark is due twice: at once, and again `settleMs` later, because
 * the order lines a sale refers to are written by the orders consumer, which may commit after we
 * saw the event; the second pass reads them for sure.
 */
export class DirtySkus {
  private readonly due = new Map<string, number[]>();
  private readonly settleMs: number;

  constructor(settleMs: number) {
    this.settleMs = settleMs;
  }

  mark(key: SkuKey, now: number): void {
    this.due.set(skuKeyString(key), [now, now + this.settleMs]);
  }

  /** The SKUs due by `now`; each is handed out once per due time. */
  take(now: number): SkuKey[] {
    const out: SkuKey[] = [];
    for (const [key, times] of this.due) {
      if (times[0]! > now) continue;
      out.push(parse(key));
      const rest = times.filter((t) => t > now);
      if (rest.length) this.due.set(key, rest);
      else this.due.delete(key);
    }
    return out;
  }

  get size(): number {
    return this.due.size;
  }
}
