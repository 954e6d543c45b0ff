import type { HistoryStatus } from "./progress.ts";

const fmt = (n: number | null) => (n === null ? "?" : n.toLocaleString("en"));

/** Bar and percent, and the seconds a share done in `elapsed` leaves (null when too early to say). */
function bar(share: number, width: number, elapsed: number) {
  const filled = Math.round(share * width);
  return {
    text: `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${(share * 100).toFixed(1).padStart(5)}%`,
    eta: share > 0.01 && share < 1 ? Math.round((elapsed / share) * (1 - share)) : null,
  };
}

const running = (h: HistoryStatus) => h.phase === "orders" || h.phase === "stock";

/**
 * One line of terminal progress for any store's history, from the one progress shape: bar, percent,
 * counts, the source's own words for a running phase (Shopify's export), and an estimate of what is left.
 */
export function progressLine(h: HistoryStatus, now = Date.now(), width = 30): string {
  const share = h.phase === "done" ? 1 : h.fraction;
  // A finished history took until it finished, not until now (`list` shows old ones too).
  const until = h.phase === "done" && h.finishedAt ? Date.parse(h.finishedAt) : now;
  const elapsed = (until - Date.parse(h.startedAt)) / 1000;
  const { text, eta } = bar(share, width, elapsed);
  const parts = [
    text,
    `orders ${fmt(h.orders.published)}/${fmt(h.orders.total)}`,
    h.running ? h.running.detail : null,
    h.phase === "stock" || h.stock.levels ? `stock levels ${fmt(h.stock.levels)}` : null,
    h.phase === "done"
      ? `done in ${Math.round(elapsed)} s`
      : running(h) && eta !== null
        ? `~${eta} s left`
        : h.phase,
    h.error ? `(${h.error})` : null,
  ];
  return parts.filter(Boolean).join("  ");
}
