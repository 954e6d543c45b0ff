import type { HistoryReader, HistoryStatus } from "../../connect/progress.ts";
import { progressOf, type Checkpoint } from "./backfill.ts";
import type { ShopifyCheckpoints } from "./checkpoints.ts";

const fmt = (n: number | null) => (n === null ? "?" : n.toLocaleString("en"));

/** A Shopify checkpoint in the one progress shape: inventory is the stock phase; the bulk export says so. */
export function shopifyHistoryStatus(cp: Checkpoint): HistoryStatus {
  const exporting =
    cp.phase === "orders" &&
    cp.mode === "bulk" &&
    cp.orders.exported < (cp.orders.total ?? Infinity) &&
    cp.orders.published === 0;
  return {
    phase: cp.phase === "inventory" ? "stock" : cp.phase,
    fraction: progressOf(cp),
    orders: { published: cp.orders.published, total: cp.orders.total },
    stock: { levels: cp.inventory.levels },
    expectOrders: cp.orders.published,
    startedAt: cp.startedAt,
    finishedAt: cp.finishedAt,
    error: cp.error,
    running: exporting
      ? {
          summary: "Shopify is exporting your recent orders",
          detail: `${fmt(cp.orders.exported)} of ${fmt(cp.orders.total)} orders exported${cp.orders.previewed ? `; the newest ${fmt(cp.orders.previewed)} are already in your dashboard` : ""}`,
        }
      : undefined,
  };
}

/** A shop's history progress from its checkpoints: what the connect flow's status page and the CLI read. */
export function shopifyHistoryReader(checkpoints: ShopifyCheckpoints): HistoryReader {
  return {
    async status(shop) {
      const cp = await checkpoints.get(shop);
      return cp ? shopifyHistoryStatus(cp) : null;
    },
    async *watch(shop) {
      for await (const cp of checkpoints.watch(shop)) yield shopifyHistoryStatus(cp);
    },
  };
}
