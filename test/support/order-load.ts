import { expect } from "vitest";
import { sqlString, type QuestDb } from "../../core/questdb.ts";
import { BENCH_SECRET, OrderWebhooks, type BenchWebhook } from "../../bench/corpus.ts";

/**
 * The project's load tool as the fault suites drive it: the benchmark's signed, real-shaped orders
 * (bench/corpus.ts) sent by several concurrent "platforms", one in ten delivered twice (same event
 * id, as a platform retries), every refusal retried until accepted.
 */

export const LOAD_CONCURRENCY = 8;
export const REDELIVERY_EVERY = 10;

export interface LoadOptions {
  ingestUrl: string;
  shop: string;
  orders: number;
  /** Called once, when a third of the orders are accepted; the load goes on meanwhile. */
  fault?: () => Promise<void>;
  secret?: string;
  /** Keeps ids of separate loads of one shop apart. */
  idBase?: number;
  /** When the orders were created (ms); now by default. */
  createdAt?: () => number;
}

export interface LoadResult {
  ids: string[];
  expectedRevenue: number;
  deliveries: number;
  refused: number;
}

/** The order's total in cents as the payload itself states it (Shopify's shop_money string), not as we parse it. */
export function statedTotalCents(webhook: BenchWebhook): number {
  const amount = (JSON.parse(webhook.body) as { total_price_set: { shop_money: { amount: string } } })
    .total_price_set.shop_money.amount;
  const [whole, fraction = ""] = amount.split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}

/** Delivers like a platform: retried after any refusal or connection failure until a 200. */
async function deliver(
  ingestUrl: string,
  webhook: BenchWebhook,
): Promise<{ deliveries: number; refused: number }> {
  let refused = 0;
  for (;;) {
    const status = await fetch(`${ingestUrl}/webhooks/shopify`, {
      method: "POST",
      headers: webhook.headers,
      body: webhook.body,
      signal: AbortSignal.timeout(10_000),
    }).then(
      async (res) => {
        await res.body?.cancel();
        return res.status;
      },
      () => 0,
    );
    if (status === 200) return { deliveries: refused + 1, refused };
    expect([0, 503], `status ${status} is not a refusal a platform retries`).toContain(status);
    refused++;
    // A platform's retry interval: pacing the sender, not waiting for a result.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sends the orders from several workers; calls `fault` once a third are accepted and waits for it. */
export async function underLoad(options: LoadOptions): Promise<LoadResult> {
  const webhooks = new OrderWebhooks(options.shop, options.idBase ?? 0, options.secret ?? BENCH_SECRET);
  const queue = Array.from({ length: options.orders }, () => webhooks.next(options.createdAt?.()));
  const expectedRevenue = queue.reduce((sum, w) => sum + statedTotalCents(w), 0);
  let accepted = 0;
  let deliveries = 0;
  let refused = 0;
  let faulted: Promise<void> | undefined;
  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const i = next++;
      const webhook = queue[i]!;
      const sends = i % REDELIVERY_EVERY === 0 ? 2 : 1;
      for (let s = 0; s < sends; s++) {
        const result = await deliver(options.ingestUrl, webhook);
        deliveries += result.deliveries;
        refused += result.refused;
      }
      accepted++;
      if (options.fault && !faulted && accepted >= options.orders / 3) faulted = options.fault();
    }
  };
  await Promise.all(Array.from({ length: LOAD_CONCURRENCY }, worker));
  await faulted;
  return { ids: queue.map((w) => w.orderId), expectedRevenue, deliveries, refused };
}

/** What QuestDB holds of a shop's orders: rows, distinct order ids, revenue in minor units. */
export async function storedOrders(db: QuestDb, shop: string) {
  const [row] = await db.rows<{ n: number; d: number; revenue: number | null }>(
    `SELECT count() n, count_distinct(order_id) d, sum(total_minor) revenue FROM orders WHERE shop = ${sqlString(shop)}`,
  );
  return { stored: row!.n, distinct: row!.d, revenue: row!.revenue ?? 0 };
}
