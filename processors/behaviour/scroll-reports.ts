import { BoundedMap } from "../../core/bounded-map.ts";

/** What a page view's one `scrolls` row says: how deep, how tall the page, how long, and whether it was left. */
export interface ScrollReport {
  /** The batch it came from (the SDK numbers a view's batches from 0). */
  seq: number;
  depth: number;
  height: number;
  durationMs: number;
  left: boolean;
}

/**
 * Views whose report this process wrote lately. A view's rows are upserted on one key, so the
 * last write wins; but a shopper closing a tab sends two beacons at once (the flush on
 * `visibilitychange` and the leave on `pagehide`) and they reach the stream in either order. The
 * row written is therefore the view's report so far, merged: never shallower, shorter or less left
 * than one written before, whichever order its batches came in.
 */
export class ScrollReports {
  // A view lasts minutes; this many views cover far more than the beacons in flight at once.
  private readonly views: BoundedMap<string, ScrollReport>;

  constructor(maxViews = 100_000) {
    this.views = new BoundedMap(maxViews);
  }

  /** The report to write for `view` now that `report` has come in. */
  merge(site: string, view: string, report: ScrollReport): ScrollReport {
    const key = `${site}\u0000${view}`;
    const known = this.views.get(key);
    const merged = known ? combine(known, report) : report;
    this.views.set(key, merged);
    return merged;
  }
}

function combine(a: ScrollReport, b: ScrollReport): ScrollReport {
  const newer = b.seq >= a.seq ? b : a;
  return {
    seq: newer.seq,
    depth: Math.max(a.depth, b.depth),
    // The page may have grown or shrunk since: its latest height is the one to measure depth against.
    height: newer.height,
    durationMs: Math.max(a.durationMs, b.durationMs),
    left: a.left || b.left,
  };
}
