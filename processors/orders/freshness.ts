import { sqlString, type QuestDb } from "../../core/questdb.ts";

export interface OrderVersion {
  platform: string;
  shop: string;
  orderId: string;
  createdAt: string;
  updatedAt: string;
}

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

  private async loadMissing(versions: OrderVersion[]): Promise<void> {
    const missing = versions.filter((v) => !this.known.has(keyOf(v)));
    const byShop = new Map<string, OrderVersion[]>();
    for (const v of missing) {
      const group = `${v.platform}\u0000${v.shop}`;
      byShop.set(group, [...(byShop.get(group) ?? []), v]);
    }
    for (const group of byShop.values()) {
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
}
