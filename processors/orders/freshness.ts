import { sqlString, type QuestDb } from "../../core/questdb.ts";

export interface OrderVersion {
  platform: string;
  shop: string;
  orderId: string;
  createdAt: string;
  updatedAt: string;
}

/** Orders of a batch further apart in creation time than this are looked up as separate runs. */
const RUN_GAP_MS = 60_000;

const keyOf = (v: Pick<OrderVersion, "platform" | "shop" | "orderId">) =>
  `${v.platform}\u0000${v.shop}\u0000${v.orderId}`;

/**
 * The newest `updated_at` written per order, so a stale update (platforms deliver out of order) never
 * overwrites a newer state. Recent orders are remembered in memory; others are looked up in QuestDB,
 * which makes the check survive a restart.
 */
export class OrderVersions {
  private readonly known = new Map<string, number>();
  private readonly db: QuestDb;
  private readonly capacity: number;

  constructor(db: QuestDb, capacity = 200_000) {
    this.db = db;
    this.capacity = capacity;
  }

  /** Keeps the newest version of each order in `versions`, and only those not older than what is stored. */
  async fresh<T extends OrderVersion>(versions: T[]): Promise<{ fresh: T[]; stale: T[] }> {
    const newest = new Map<string, T>();
    const stale: T[] = [];
    for (const version of versions) {
      const key = keyOf(version);
      const seen = newest.get(key);
      if (seen && Date.parse(seen.updatedAt) > Date.parse(version.updatedAt)) {
        stale.push(version);
        continue;
      }
      if (seen) stale.push(seen);
      newest.set(key, version);
    }
    await this.loadMissing([...newest.values()]);
    const fresh: T[] = [];
    for (const version of newest.values()) {
      const stored = this.known.get(keyOf(version));
      if (stored !== undefined && stored > Date.parse(version.updatedAt)) stale.push(version);
      else fresh.push(version);
    }
    return { fresh, stale };
  }

  /** Call after the rows were accepted by QuestDB. */
  remember(versions: OrderVersion[]): void {
    for (const version of versions) {
      const key = keyOf(version);
      this.known.delete(key);
      this.known.set(key, Date.parse(version.updatedAt));
    }
    // Map keeps insertion order, so the first keys are the least recently written.
    for (const key of this.known.keys()) {
      if (this.known.size <= this.capacity) break;
      this.known.delete(key);
    }
  }

  /**
   * Looks up the stored `updated_at` of orders the cache doesn't know. Profiling showed one SQL
   * query per 500 orders (an IN list of ids) dominating the lookup's cost for live traffic, where
   * nearly every order is new. Orders of a batch mostly sit close together in time, so each run of
   * them (no gap over a minute) is first asked for by time range alone — the designated timestamp
   * makes that an interval scan, and for new orders it returns next to nothing. When a range holds
   * more stored orders than twice the batch's (a replay into a full day), the answer is cut off by
   * its LIMIT and that run falls back to the id lists, so the cost stays bounded and the result is
   * the same: the stored `updated_at` of every batch order that has one.
   */
  private async loadMissing(versions: OrderVersion[]): Promise<void> {
    const missing = versions.filter((v) => !this.known.has(keyOf(v)));
    const byShop = new Map<string, OrderVersion[]>();
    for (const v of missing) {
      const group = `${v.platform}\u0000${v.shop}`;
      let list = byShop.get(group);
      if (!list) byShop.set(group, (list = []));
      list.push(v);
    }
    for (const group of byShop.values()) {
      const timed = group.map((v) => ({ v, at: Date.parse(v.createdAt) })).sort((a, b) => a.at - b.at);
      let from = 0;
      for (let i = 1; i <= timed.length; i++) {
        if (i < timed.length && timed[i]!.at - timed[i - 1]!.at <= RUN_GAP_MS) continue;
        const run = timed.slice(from, i);
        from = i;
        if (!(await this.loadRange(run))) await this.loadByIds(run.map((t) => t.v));
      }
    }
  }

  /** One query for a run of orders close in time; false when the range held too many to read whole. */
  private async loadRange(run: { v: OrderVersion; at: number }[]): Promise<boolean> {
    const first = run[0]!.v;
    const limit = 2 * run.length + 100;
    const rows = await this.db.exec<[string, string]>(
      `SELECT order_id, updated_at FROM orders
       WHERE platform = ${sqlString(first.platform)} AND shop = ${sqlString(first.shop)}
         AND created_at BETWEEN ${sqlString(new Date(run[0]!.at).toISOString())}
                            AND ${sqlString(new Date(run[run.length - 1]!.at).toISOString())}
       LIMIT ${limit + 1}`,
    );
    if (rows.dataset.length > limit) return false;
    const wanted = new Set(run.map((t) => t.v.orderId));
    for (const [orderId, updatedAt] of rows.dataset) {
      if (wanted.has(orderId)) this.remember([{ ...first, orderId, createdAt: first.createdAt, updatedAt }]);
    }
    return true;
  }

  private async loadByIds(group: OrderVersion[]): Promise<void> {
    for (let i = 0; i < group.length; i += 500) {
      const chunk = group.slice(i, i + 500);
      const first = chunk[0]!;
      const times = chunk.map((v) => Date.parse(v.createdAt));
      const rows = await this.db.exec<[string, string]>(
        `SELECT order_id, updated_at FROM orders
         WHERE platform = ${sqlString(first.platform)} AND shop = ${sqlString(first.shop)}
           AND created_at BETWEEN ${sqlString(new Date(Math.min(...times)).toISOString())}
                              AND ${sqlString(new Date(Math.max(...times)).toISOString())}
           AND order_id IN (${chunk.map((v) => sqlString(v.orderId)).join(",")})`,
      );
      for (const [orderId, updatedAt] of rows.dataset) {
        this.remember([{ ...first, orderId, createdAt: first.createdAt, updatedAt }]);
      }
    }
  }
}
