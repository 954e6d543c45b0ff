import { sqlString, type QuestDb } from "../../core/questdb.ts";
import type { SalesFact } from "./facts.ts";
import { STORED_COLUMNS, storedFact, type OrderStatus, type StoredFact, type StoredRow } from "./windows.ts";

const MINUTE = 60_000;

/** A stored fact with its version time, as this replica wrote it (or read it at start). */
export type HeldFact = StoredFact & { updatedAt: number };

interface ShopFacts {
  /** minute → facts of that minute, keyed as sales_facts' upsert key is: kind, id, ts. */
  minutes: Map<number, Map<string, HeldFact>>;
  /** order id → version time of its stored order fact (the stale-update guard). */
  versions: Map<string, { updatedAt: number; minute: number }>;
  /** order id → whether it is a test order and whether it was cancelled (what its refunds need). */
  orders: Map<string, OrderStatus & { minute: number }>;
  /** order id → the minutes holding its refunds (a cancellation changes whether they count). */
  refunds: Map<string, Set<number>>;
}

const shopKey = (platform: string, shop: string) => `${platform}\u0000${shop}`;

/**
 * The facts of the last `horizonMs` of the shops this replica owns, mirrored from what it wrote to
 * `sales_facts` (and read back once at start): enough to recompute any of those minutes, and to
 * judge a stale order state, without a read-back per batch. One writer per shop (partitions) is what
 * makes the mirror complete. Older minutes are left to QuestDB (the handler's read-back path).
 */
export class RecentFacts {
  private readonly shops = new Map<string, ShopFacts>();
  private prunedAt = 0;
  readonly horizonMs: number;
  private readonly clock: () => number;

  constructor(horizonMs: number, clock: () => number = Date.now) {
    this.horizonMs = horizonMs;
    this.clock = clock;
  }

  /** The first minute held. */
  floor(): number {
    return Math.floor((this.clock() - this.horizonMs) / MINUTE) * MINUTE;
  }

  /** Whether every fact falls in the minutes held. */
  covers(facts: SalesFact[]): boolean {
    const floor = this.floor();
    return facts.every((f) => Date.parse(f.at) >= floor);
  }

  /** Reads the held span of `sales_facts` for the shops `owns` accepts (after the WAL is applied). */
  async load(db: QuestDb, owns: (platform: string, shop: string) => boolean): Promise<number> {
    const result = await db.exec<[...StoredRow, string, string, string]>(
      `SELECT ${STORED_COLUMNS}, platform, shop, updated_at FROM sales_facts
       WHERE ts >= ${sqlString(new Date(this.floor()).toISOString())}`,
    );
    let held = 0;
    for (const row of result.dataset) {
      const [platform, shop, updatedAt] = row.slice(7) as [string, string, string];
      if (!owns(platform, shop)) continue;
      this.hold(platform, shop, {
        ...storedFact(row.slice(0, 7) as StoredRow),
        updatedAt: Date.parse(updatedAt),
      });
      held += 1;
    }
    return held;
  }

  /** Mirrors facts QuestDB accepted (those older than the floor are not held). */
  add(facts: SalesFact[]): void {
    const floor = this.floor();
    for (const f of facts) {
      const at = Date.parse(f.at);
      if (at < floor) continue;
      this.hold(f.platform, f.shop, {
        kind: f.kind,
        id: f.id,
        orderId: f.orderId,
        at,
        amountMinor: f.amountMinor,
        items: f.items,
        test: f.test,
        updatedAt: Date.parse(f.updatedAt),
      });
    }
    if (floor - this.prunedAt >= 10 * MINUTE) this.prune(floor);
  }

  /** The stored order fact's version time, if this order's fact is held. */
  version(platform: string, shop: string, orderId: string): number | undefined {
    return this.shops.get(shopKey(platform, shop))?.versions.get(orderId)?.updatedAt;
  }

  /** The held facts of these minutes. */
  factsIn(platform: string, shop: string, minutes: Iterable<number>): HeldFact[] {
    const held = this.shops.get(shopKey(platform, shop));
    if (!held) return [];
    return [...minutes].flatMap((minute) => [...(held.minutes.get(minute)?.values() ?? [])]);
  }

  /** The minutes holding refunds of these orders. */
  refundMinutes(platform: string, shop: string, orderIds: Iterable<string>): number[] {
    const held = this.shops.get(shopKey(platform, shop));
    return [...orderIds].flatMap((id) => [...(held?.refunds.get(id) ?? [])]);
  }

  /** What is held of these orders; the ones with no held order or cancel fact are left out. */
  statuses(platform: string, shop: string, orderIds: Iterable<string>): Map<string, OrderStatus> {
    const held = this.shops.get(shopKey(platform, shop));
    const found = new Map<string, OrderStatus>();
    for (const id of orderIds) {
      const status = held?.orders.get(id);
      if (status) found.set(id, { test: status.test, cancelled: status.cancelled });
    }
    return found;
  }

  private hold(platform: string, shop: string, fact: HeldFact): void {
    const key = shopKey(platform, shop);
    let held = this.shops.get(key);
    if (!held) {
      held = { minutes: new Map(), versions: new Map(), orders: new Map(), refunds: new Map() };
      this.shops.set(key, held);
    }
    const minute = Math.floor(fact.at / MINUTE) * MINUTE;
    let facts = held.minutes.get(minute);
    if (!facts) held.minutes.set(minute, (facts = new Map()));
    facts.set(`${fact.kind}\u0000${fact.id}\u0000${fact.at}`, fact);
    if (fact.kind === "order") held.versions.set(fact.id, { updatedAt: fact.updatedAt, minute });
    if (fact.kind === "order" || fact.kind === "cancel") {
      // As the read-back path judges them: a test flag on any of its facts, cancelled once cancelled.
      const status = held.orders.get(fact.id) ?? { test: false, cancelled: false, minute };
      if (fact.test) status.test = true;
      if (fact.kind === "cancel") status.cancelled = true;
      status.minute = Math.max(status.minute, minute);
      held.orders.set(fact.id, status);
    }
    if (fact.kind === "refund" && fact.orderId) {
      const minutes = held.refunds.get(fact.orderId) ?? new Set<number>();
      minutes.add(minute);
      held.refunds.set(fact.orderId, minutes);
    }
  }

  private prune(floor: number): void {
    this.prunedAt = floor;
    for (const held of this.shops.values()) {
      for (const minute of held.minutes.keys()) if (minute < floor) held.minutes.delete(minute);
      for (const [id, v] of held.versions) if (v.minute < floor) held.versions.delete(id);
      for (const [id, s] of held.orders) if (s.minute < floor) held.orders.delete(id);
      for (const [id, minutes] of held.refunds) {
        for (const minute of minutes) if (minute < floor) minutes.delete(minute);
        if (!minutes.size) held.refunds.delete(id);
      }
    }
  }
}
