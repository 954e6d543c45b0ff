import { progressOf, type Checkpoint } from "../platforms/shopify/backfill.ts";

/** One line of terminal progress for a backfill: bar, percent, counts, and an estimate of what is left. */
export function progressLine(cp: Checkpoint, now = Date.now(), width = 30): string {
  const share = cp.phase === "done" ? 1 : progressOf(cp);
  const filled = Math.round(share * width);
  const bar = `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
  const fmt = (n: number | null) => (n === null ? "?" : n.toLocaleString("en"));
  const elapsed = (now - Date.parse(cp.startedAt)) / 1000;
  const eta = share > 0.01 && share < 1 ? Math.round((elapsed / share) * (1 - share)) : null;
  const parts = [
    `[${bar}] ${(share * 100).toFixed(1).padStart(5)}%`,
    `orders ${fmt(cp.orders.published)}/${fmt(cp.orders.total)}`,
    cp.mode === "bulk" && cp.phase === "orders" ? `exported ${fmt(cp.orders.exported)}` : null,
    `stock levels ${fmt(cp.inventory.levels)}`,
    cp.phase === "done" ? `done in ${Math.round(elapsed)} s` : eta !== null ? `~${eta} s left` : cp.phase,
    cp.error ? `(${cp.error})` : null,
  ];
  return parts.filter(Boolean).join("  ");
}
