import { seededRandom } from "../../../core/seeded-random.ts";
import type { WooOrderSpec } from "./store.ts";

/**
 * A store's past orders for connect tests: `recent` orders spread over the last `recentDays` and
 * `older` ones from before `olderThanDays`, so a history window between the two must take exactly
 * the recent ones. Deterministic for a seed; ids ascend with creation time, as WooCommerce's do.
 */
export function generateWooHistory({
  recent,
  older,
  recentDays = 59,
  olderThanDays = 61,
  seed = 1,
  firstId = 1000,
  currency = "USD",
  now = Date.now(),
}: {
  recent: number;
  older: number;
  recentDays?: number;
  olderThanDays?: number;
  seed?: number;
  firstId?: number;
  currency?: string;
  now?: number;
}): WooOrderSpec[] {
  const random = seededRandom(seed);
  const day = 86_400_000;
  const times = [
    // The oldest first: from olderThanDays back a further 30 days.
    ...Array.from({ length: older }, () => now - olderThanDays * day - random() * 30 * day),
    // Recent ones no closer than an hour to now, never on the window's edge.
    ...Array.from({ length: recent }, () => now - day / 24 - random() * (recentDays * day - day / 24)),
  ].sort((a, b) => a - b);
  const statuses = ["processing", "completed", "completed", "on-hold", "cancelled"];
  return times.map((at, i) => {
    const id = firstId + i;
    const lineCount = 1 + Math.floor(random() * 3);
    return {
      id,
      currency,
      status: statuses[Math.floor(random() * statuses.length)]!,
      createdAt: new Date(Math.floor(at / 1000) * 1000).toISOString(),
      customerId: random() < 0.7 ? 1 + Math.floor(random() * 400) : 0,
      shippingMinor: random() < 0.5 ? 499 : 0,
      taxMinor: Math.floor(random() * 800),
      lines: Array.from({ length: lineCount }, (_, n) => ({
        id: id * 10 + n,
        productId: 10 + Math.floor(random() * 40),
        sku: `SKU-${Math.floor(random() * 40)}`,
        quantity: 1 + Math.floor(random() * 3),
        unitMinor: 500 + Math.floor(random() * 9500),
      })),
    };
  });
}
