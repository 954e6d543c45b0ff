import { progressOf, type Checkpoint } from "../platforms/shopify/backfill.ts";
import { historyProgress, type HistoryCheckpoint } from "./history.ts";

const fmt = (n: number | null) => (n === null ? "?" : n.toLocaleString("en"));

/** Bar and percent, and the seconds a share done in `elapsed` leaves (null when too early to say). */
function bar(share: number, width: number, elapsed: number) {
  const filled = Math.round(share * width);
  return {
    text: `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}%`,
    eta: share > 0.01 && share < 1 ? Math.round((elapsed / share) * (1 - share)) : null,
  };
}

/** One line of terminal progress for a Shopify backfill: bar, percent, counts, and an estimate of what is left. */
export function progressLine(cp: Checkpoint, now = Date.now(), width = 30): string {
  const share = cp.phase === "done" ? 1 : progressOf(cp);
  const elapsed = (now - Date.parse(cp.startedAt)) / 1000;
  const { text, eta } = bar(share, width, elapsed);
  const parts = [
    text,
    `orders ${fmt(cp.orders.published)}/${fmt(cp.orders.total)}`,
    cp.mode === "bulk" && cp.phase === "orders" ? `exported ${fmt(cp.orders.exported)}` : null,
    `stock levels ${fmt(cp.inventory.levels)}`,
    cp.phase === "done" ? `done in ${Math.round(elapsed)} s` : eta !== null ? `~${eta} s left` : cp.phase,
    cp.error ? `(${cp.error})` : null,
  ];
  return parts.filter(Boolean).join("  ");
}

/** The same line for the history of a WooCommerce or BigCommerce store. */
export function historyLine(cp: HistoryCheckpoint, now = Date.now(), width = 30): string {
  const elapsed = (now - Date.parse(cp.startedAt)) / 1000;
  const { text, eta } = bar(historyProgress(cp), width, elapsed);
  const parts = [
    text,
    `orders ${fmt(cp.published)}/${fmt(cp.totalOrders)}`,
    `page ${Math.min(cp.nextPage - 1, cp.totalPages ?? Infinity)}/${fmt(cp.totalPages)}`,
    cp.phase === "stock" || cp.levels ? `stock levels ${fmt(cp.levels)}` : null,
    cp.phase === "done" ? `done in ${Math.round(elapsed)} s` : eta !== null ? `~${eta} s left` : cp.phase,
    cp.error ? `(${cp.error})` : null,
  ];
  return parts.filter(Boolean).join("  ");
}
