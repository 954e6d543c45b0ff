/**
 * What one store's catch-up round may spend. A store that answers slowly, claims endless pages or
 * hangs is stopped at its budget, so it costs the others nothing but its own slot.
 */
export interface CatchUpBudget {
  /** Wall-clock time for the whole round of one store (settings, hook repair, every page). */
  timeMs: number;
  /** Pages of modified orders read in one round. */
  pages: number;
}

export const DEFAULT_CATCHUP_BUDGET: CatchUpBudget = { timeMs: 10 * 60_000, pages: 1000 };

/** How a round of one store ended, as `catchup_runs.outcome` records it. */
export type CatchUpOutcome = "ok" | "over_time" | "over_pages" | "failed";

/** A store's round stopped at its budget; the watermark stays where it was, so nothing is skipped for good. */
export class CatchUpOverBudget extends Error {
  readonly outcome: "over_time" | "over_pages";
  readonly platform: string;
  readonly shop: string;
  readonly budget: CatchUpBudget;

  constructor(platform: string, shop: string, budget: CatchUpBudget, over: "time" | "pages") {
    super(
      over === "time"
        ? `catch-up of ${platform}:${shop} took longer than its ${budget.timeMs} ms budget`
        : `catch-up of ${platform}:${shop} read more than its ${budget.pages} pages budget`,
    );
    this.name = "CatchUpOverBudget";
    this.outcome = over === "time" ? "over_time" : "over_pages";
    this.platform = platform;
    this.shop = shop;
    this.budget = budget;
  }
}

/**
 * One round's budget: `within` races each call to the store against the round's deadline, and
 * `pages` wraps the page iterator to stop after the page budget. A call still running at the
 * deadline is left to the guarded client's own time bound; the round no longer waits for it.
 */
export function roundBudget(platform: string, shop: string, budget: CatchUpBudget) {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CatchUpOverBudget(platform, shop, budget, "time")), budget.timeMs);
  });
  // Nobody may be racing the deadline when it fires: that rejection is expected, not unhandled.
  deadline.catch(() => undefined);
  const within = <T>(work: Promise<T>): Promise<T> => Promise.race([work, deadline]);

  async function* pages<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
    const iterator = source[Symbol.asyncIterator]();
    try {
      for (let read = 0; ; read++) {
        const next = await within(iterator.next());
        if (next.done) return;
        if (read >= budget.pages) throw new CatchUpOverBudget(platform, shop, budget, "pages");
        yield next.value;
      }
    } finally {
      // Ends the store's paging (a no-op for a request still in flight); its own failure is not ours.
      void iterator.return?.().catch(() => undefined);
    }
  }
  return { within, pages, done: () => clearTimeout(timer) };
}
