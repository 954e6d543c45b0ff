import { sqlString, type QuestDb } from "../../core/questdb.ts";

export interface OrderVersion {
  platform: string;
  shop: string;
  orderId: string;
  createdAt: string;
  updatedAt: string;
}

const DAY_MS = 86_400_000;
/** Shop-days read from QuestDB side by side when one batch needs several (a history replay). */
const PARALLEL_LOADS = 4;

/** One shop's orders created on one UTC day: the unit that is read from QuestDB, kept and evicted. */
interface ShopDay {
  platform: string;
  shop: string;
  day: number;
}

const dayKeyOf = (v: ShopDay) => `${v.platform}\u0000${v.shop}\u0000${v.day}`;
const dayOf = (createdAt: string) => Math.floor(Date.parse(createdAt) / DAY_MS) * DAY_MS;
const orderKeyOf = (v: Pick<OrderVersion, "platform" | "shop" | "orderId">) =>
  `${v.platform}\u0000${v.shop}\u0000${v.orderId}`;

/**
 * The newest `updated_at` written per order, so a stale update (platforms deliver out of order) never
 * overwrites a newer state. The orders consumer is the only writer of `orders` for its shops, so
 * once it has read a shop-day (all orders of one shop created on one UTC day) from QuestDB and
 * adds every order it writes there, that day is known completely: an order it doesn't hold is new,
 * with no query. So live traffic reads each shop's today once, not once per batch (profiles showed
 * that per-batch SELECT, and across 90 days of partitions during a history it is what limited the
 * drain). Shop-days are evicted whole, least recently used first, once more than `capacity` orders
 * are held; an evicted day is read again on its next miss, which is also how a restart or a replay
 * rebuilds the state, so a replay still converges.
 */
export class OrderVersions {
  /** Shop-day → order key → updated_at (ms); Map order is recency, oldest first. */
  private readonly days = new Map<string, Map<string, number>>();
  private held = 0;
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
      const key = orderKeyOf(version);
      const seen = newest.get(key);
      if (seen && Date.parse(seen.updatedAt) > Date.parse(version.updatedAt)) {
        stale.push(version);
        continue;
      }
      if (seen) stale.push(seen);
      newest.set(key, version);
    }
    const days = await this.load([...newest.values()]);
    const fresh: T[] = [];
    for (const [key, version] of newest) {
      const stored = days.get(dayKeyOf(shopDayOf(version)))!.get(key);
      if (stored !== undefined && stored > Date.parse(version.updatedAt)) stale.push(version);
      else fresh.push(version);
    }
    return { fresh, stale };
  }

  /** Call after the rows were accepted by QuestDB. */
  remember(versions: OrderVersion[]): void {
    for (const version of versions) {
      // A day that is not held is read whole on its next use, and will then include this row.
      const day = this.days.get(dayKeyOf(shopDayOf(version)));
      if (!day) continue;
      const key = orderKeyOf(version);
      if (!day.has(key)) this.held++;
      day.set(key, Date.parse(version.updatedAt));
    }
    this.evict();
  }

  /** The shop-days of `versions`, read from QuestDB where not held; each one touched as just used. */
  private async load(versions: OrderVersion[]): Promise<Map<string, Map<string, number>>> {
    const wanted = new Map<string, ShopDay>();
    for (const version of versions) {
      const shopDay = shopDayOf(version);
      wanted.set(dayKeyOf(shopDay), shopDay);
    }
    const missing = [...wanted].filter(([key]) => !this.days.has(key));
    for (let i = 0; i < missing.length; i += PARALLEL_LOADS) {
      const read = await Promise.all(missing.slice(i, i + PARALLEL_LOADS).map(([, d]) => this.read(d)));
      read.forEach((orders, j) => {
        this.days.set(missing[i + j]![0], orders);
        this.held += orders.size;
      });
    }
    const out = new Map<string, Map<string, number>>();
    for (const key of wanted.keys()) {
      const day = this.days.get(key)!;
      this.days.delete(key);
      this.days.set(key, day);
      out.set(key, day);
    }
    this.evict(new Set(wanted.keys()));
    return out;
  }

  /** Every stored order of one shop-day with its `updated_at`: an interval scan of one partition. */
  private async read({ platform, shop, day }: ShopDay): Promise<Map<string, number>> {
    const rows = await this.db.exec<[string, string]>(
      `SELECT order_id, updated_at FROM orders
       WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}
         AND created_at >= ${sqlString(new Date(day).toISOString())}
         AND created_at < ${sqlString(new Date(day + DAY_MS).toISOString())}`,
    );
    const orders = new Map<string, number>();
    for (const [orderId, updatedAt] of rows.dataset) {
      const key = orderKeyOf({ platform, shop, orderId });
      orders.set(key, Math.max(orders.get(key) ?? -Infinity, Date.parse(updatedAt)));
    }
    return orders;
  }

  /** Drops least recently used shop-days until at most `capacity` orders are held (never `keep`). */
  private evict(keep: ReadonlySet<string> = new Set()): void {
    for (const [key, day] of this.days) {
      if (this.held <= this.capacity) break;
      if (keep.has(key)) continue;
      this.days.delete(key);
      this.held -= day.size;
    }
  }
}

function shopDayOf(version: OrderVersion): ShopDay {
  return { platform: version.platform, shop: version.shop, day: dayOf(version.createdAt) };
}
