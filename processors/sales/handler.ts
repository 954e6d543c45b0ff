import type { Logger } from "../../core/log.ts";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
import type { BatchHandler } from "../consumer.ts";
import { factsOf, minuteOf, newestOrderStates, type FactKind, type SalesFact } from "./facts.ts";
import type { RecentFacts } from "./recent.ts";
import type { ShopDirectory } from "./shops.ts";
import { writeFact, writeWindow } from "./rows.ts";
import { waitForWalApplied } from "./wal.ts";
import {
  aggregateWindows,
  minuteRanges,
  STORED_COLUMNS,
  storedFact,
  type OrderStatus,
  type SalesWindow,
  type StoredFact,
  type StoredRow,
} from "./windows.ts";

const CHUNK = 500;

/**
 * Live sales, per batch:
 * 0. note what `shop` events say of a shop's zone and currency;
 * 1. turn events into facts, drop order states older than what is stored;
 * 2. write the facts (upserts keyed by id);
 * 3. recompute every window a fact of the batch touches (and the windows of refunds whose order was
 *    just cancelled) from all stored facts, and upsert those `sales_1m` rows.
 * When every fact of the batch is recent (`recent`: the owned shops' last days, mirrored in memory)
 * steps 1 and 3 use the mirror; otherwise they read QuestDB, after waiting until the facts just
 * written are visible (a WAL wait and a read-back per shop on every batch, which the mirror avoids).
 * Nothing is incremented, so replaying any batch, or crashing anywhere before the ack, converges on
 * the same rows. One writer per shop is assumed (one processor, or replicas partitioned by shop).
 */
export function salesHandler(
  db: QuestDb,
  shops: ShopDirectory,
  log: Logger,
  hooks: {
    /** The owned shops' recent facts in memory; without it every batch is read back. */
    recent?: RecentFacts;
    /** Told which shops' windows were written, after they were (the live tiles: processors/live/). */
    onWindows?: (platform: string, shop: string) => void;
  } = {},
): BatchHandler {
  const { recent, onWindows } = hooks;
  return async (events, sender) => {
    const shopEvents = events.filter((e) => e.type === "shop");
    if (shopEvents.length) {
      // Oldest first, so the newest settings of a shop are written last.
      shopEvents.sort((a, b) => Date.parse(a.shopInfo.updatedAt) - Date.parse(b.shopInfo.updatedAt));
      const learned = await shops.learn(
        sender,
        shopEvents.map((e) => ({ platform: e.platform, shop: e.shop, info: e.shopInfo })),
        log,
      );
      await sender.flush();
      shops.remember(learned);
    }
    const all = newestOrderStates(events.flatMap(factsOf));
    if (all.length === 0) return;
    // Live traffic falls in the minutes held in memory; a backfill of older days is read back.
    const held = recent?.covers(all) ? recent : undefined;
    const facts = held ? dropStaleHeld(held, all) : await dropStale(db, all);

    const observed = await shops.observe(
      sender,
      uniqueBy(facts, (f) => f.shop).map((f) => ({
        platform: f.platform,
        shop: f.shop,
        currency: f.currency,
      })),
    );
    for (const fact of facts) await writeFact(sender, fact);
    await sender.flush();
    shops.remember(observed);
    // Only what QuestDB accepted is mirrored: the mirror never holds a fact the table lacks.
    recent?.add(facts);
    if (!held) await waitForWalApplied(db, "sales_facts");

    // Shops are independent: compute them side by side, then write every window in one request.
    const recomputed = await Promise.all(
      [...groupBy(facts, (f) => `${f.platform}\u0000${f.shop}`).values()].map(async (group) => {
        const { platform, shop } = group[0]!;
        const currency = shops.get(shop)?.currency ?? group[0]!.currency;
        const windows = held
          ? await recomputeHeld(db, held, group)
          : await recompute(db, platform, shop, await touchedMinutes(db, group));
        return { platform, shop, currency, windows };
      }),
    );
    let windows = 0;
    for (const { platform, shop, currency, windows: computed } of recomputed) {
      for (const window of computed) await writeWindow(sender, platform, shop, currency, window);
      windows += computed.length;
    }
    await sender.flush();
    for (const { platform, shop } of recomputed) onWindows?.(platform, shop);
    log.debug({ facts: facts.length, windows }, "sales windows recomputed");
  };
}

/**
 * The minutes a shop's facts change: their own, and those of the refunds of orders among them (a
 * cancellation, or an order turning out to be a test, changes whether its refunds count).
 */
async function touchedMinutes(db: QuestDb, group: SalesFact[]): Promise<Set<number>> {
  const { platform, shop } = group[0]!;
  const minutes = new Set(group.map((f) => minuteOf(f.at)));
  const orderFacts = group.filter((f) => f.kind === "order");
  const since = Math.min(...orderFacts.map((f) => Date.parse(f.at)));
  // Refunds come after their order was created, which bounds the scan.
  const refunds = await factsByOrder(
    db,
    platform,
    shop,
    ["refund"],
    orderFacts.map((f) => f.id),
    since,
  );
  for (const refund of refunds) minutes.add(Math.floor(refund.at / 60_000) * 60_000);
  return minutes;
}

/**
 * The same windows from the facts held in memory. Refunds of orders whose facts are older than what
 * is held need those orders' status from QuestDB, which then must have applied what was just written.
 */
async function recomputeHeld(db: QuestDb, held: RecentFacts, group: SalesFact[]): Promise<SalesWindow[]> {
  const { platform, shop } = group[0]!;
  const minutes = new Set(group.map((f) => minuteOf(f.at)));
  const orderIds = group.filter((f) => f.kind === "order").map((f) => f.id);
  for (const minute of held.refundMinutes(platform, shop, orderIds)) minutes.add(minute);
  const facts = held.factsIn(platform, shop, minutes);
  const refundOrders = new Set(facts.filter((f) => f.kind === "refund" && f.orderId).map((f) => f.orderId!));
  const orders = held.statuses(platform, shop, refundOrders);
  const missing = [...refundOrders].filter((id) => !orders.has(id));
  if (missing.length) {
    await waitForWalApplied(db, "sales_facts");
    for (const [id, status] of orderStatuses(
      await factsByOrder(db, platform, shop, ["order", "cancel"], missing),
    ))
      orders.set(id, status);
  }
  return aggregateWindows(minutes, facts, orders);
}

/** A test flag on any of an order's facts makes it a test order; a cancel fact, a cancelled one. */
function orderStatuses(facts: StoredFact[]): Map<string, OrderStatus> {
  const orders = new Map<string, OrderStatus>();
  for (const fact of facts) {
    const status = orders.get(fact.id) ?? { test: false, cancelled: false };
    if (fact.test) status.test = true;
    if (fact.kind === "cancel") status.cancelled = true;
    orders.set(fact.id, status);
  }
  return orders;
}

/** Reads the stored facts of the given minutes back and aggregates them. */
export async function recompute(
  db: QuestDb,
  platform: string,
  shop: string,
  minutes: Set<number>,
): Promise<SalesWindow[]> {
  const facts: StoredFact[] = [];
  for (const { from, to } of minuteRanges(minutes)) {
    facts.push(
      ...(await readFacts(
        db,
        `platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}
         AND ts >= ${sqlString(new Date(from).toISOString())} AND ts < ${sqlString(new Date(to).toISOString())}`,
      )),
    );
  }
  const refundOrders = [
    ...new Set(facts.filter((f) => f.kind === "refund" && f.orderId).map((f) => f.orderId!)),
  ];
  const orders = orderStatuses(await factsByOrder(db, platform, shop, ["order", "cancel"], refundOrders));
  return aggregateWindows(minutes, facts, orders);
}

async function readFacts(db: QuestDb, where: string): Promise<StoredFact[]> {
  const result = await db.exec<StoredRow>(`SELECT ${STORED_COLUMNS} FROM sales_facts WHERE ${where}`);
  return result.dataset.map(storedFact);
}

/** Facts of the given kinds that belong to these orders, whenever they happened. */
async function factsByOrder(
  db: QuestDb,
  platform: string,
  shop: string,
  kinds: FactKind[],
  orderIds: string[],
  since?: number,
): Promise<StoredFact[]> {
  const found: StoredFact[] = [];
  const unique = [...new Set(orderIds)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    found.push(
      ...(await readFacts(
        db,
        `platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}
         AND kind IN (${kinds.map(sqlString).join(",")})
         AND order_id IN (${chunk.map(sqlString).join(",")})
         ${since === undefined ? "" : `AND ts >= ${sqlString(new Date(since).toISOString())}`}`,
      )),
    );
  }
  return found;
}

/** Order and cancel facts of an order whose held (stored) state is newer are dropped. */
function dropStaleHeld(held: RecentFacts, facts: SalesFact[]): SalesFact[] {
  return facts.filter((f) => {
    if (f.kind !== "order" && f.kind !== "cancel") return true;
    const stored = held.version(f.platform, f.shop, f.id);
    return stored === undefined || stored <= Date.parse(f.updatedAt);
  });
}

/** Order states older than the stored one are dropped: the stored state is newer and stays. */
async function dropStale(db: QuestDb, facts: SalesFact[]): Promise<SalesFact[]> {
  const orders = facts.filter((f) => f.kind === "order");
  const chunks = [...groupBy(orders, (f) => `${f.platform}\u0000${f.shop}`).values()].flatMap((group) =>
    Array.from({ length: Math.ceil(group.length / CHUNK) }, (_, i) =>
      group.slice(i * CHUNK, (i + 1) * CHUNK),
    ),
  );
  const stale = new Set<string>();
  await Promise.all(
    chunks.map(async (chunk) => {
      const { platform, shop } = chunk[0]!;
      const incoming = new Map(chunk.map((f) => [f.id, Date.parse(f.updatedAt)]));
      // An order's fact sits at its creation time, which never changes: that bounds the scan.
      const times = chunk.map((f) => Date.parse(f.at));
      const stored = await db.exec<[string, string]>(
        `SELECT id, updated_at FROM sales_facts
         WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)} AND kind = 'order'
           AND ts BETWEEN ${sqlString(new Date(Math.min(...times)).toISOString())}
                      AND ${sqlString(new Date(Math.max(...times)).toISOString())}
           AND id IN (${chunk.map((f) => sqlString(f.id)).join(",")})`,
      );
      for (const [id, updatedAt] of stored.dataset) {
        if (Date.parse(updatedAt) > (incoming.get(id) ?? Infinity))
          stale.add(`${platform}\u0000${shop}\u0000${id}`);
      }
    }),
  );
  return facts.filter(
    (f) =>
      !(
        (f.kind === "order" || f.kind === "cancel") &&
        stale.has(`${f.platform}\u0000${f.shop}\u0000${f.id}`)
      ),
  );
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  return [...groupBy(items, key).values()].map((group) => group[0]!);
}
