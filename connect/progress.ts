import type { Connection } from "../platforms/connections.ts";
import { historyProgress, type HistoryCheckpoint, type HistoryStore } from "./history.ts";

/**
 * One progress shape for every store's history, whoever runs it (connect/history.ts for stores with
 * their own keys, a flow's own job such as Shopify's bulk export): the status page and the one
 * progress route (`/stores/<platform>/<shop>/progress`) read nothing else.
 */

/** What a history job reports of itself. */
export interface HistoryStatus {
  phase: "orders" | "stock" | "done" | "failed" | "stopped";
  /** Share of the history published, 0..1. */
  fraction: number;
  orders: { published: number; total: number | null };
  stock: { levels: number };
  /** Orders QuestDB must answer with before the page says 100 % ("in your dashboard", not "sent"). */
  expectOrders: number;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  /** The platform's own words for a running phase (Shopify's export), when it has better ones. */
  running?: { summary: string; detail: string } | undefined;
}

/**
 * A store's history progress read straight from its KV checkpoints, in the one shape: how something
 * with NATS alone (the CLI) follows any source's history without the flow's variables or keys.
 */
export interface HistoryReader {
  status(shop: string): Promise<HistoryStatus | null>;
  /** The store's progress each time its checkpoint changes, from the current one on. */
  watch(shop: string): AsyncIterable<HistoryStatus>;
}

/** The progress route's answer, the same for every platform. */
export interface ProgressReport {
  platform: string;
  shop: string;
  status: Connection["status"];
  currency: string | null;
  timezone: string | null;
  phase: HistoryStatus["phase"] | "writing";
  percent: number;
  summary: string;
  detail: string;
  orders: HistoryStatus["orders"];
  stock: HistoryStatus["stock"];
  visibleOrders: number | null;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  dashboardUrl: string | null;
  /** The browser SDK's tag to paste into the storefront, when the source has one. */
  script: string | null;
}

export function checkpointStatus(cp: HistoryCheckpoint): HistoryStatus {
  return {
    phase: cp.phase,
    fraction: historyProgress(cp),
    orders: { published: cp.published, total: cp.totalOrders },
    stock: { levels: cp.levels },
    expectOrders: cp.totalOrders ?? cp.published,
    startedAt: cp.startedAt,
    finishedAt: cp.finishedAt,
    error: cp.error,
  };
}

/** The progress of stores whose history connect/history.ts runs, from its checkpoints. */
export function storeHistoryReader(histories: HistoryStore, platform: string): HistoryReader {
  return {
    async status(shop) {
      const cp = await histories.get(platform, shop);
      return cp ? checkpointStatus(cp) : null;
    },
    async *watch(shop) {
      for await (const cp of histories.watch(platform, shop)) yield checkpointStatus(cp);
    },
  };
}

const fmt = (n: number | null) => (n === null ? "?" : n.toLocaleString("en"));

function describe(h: HistoryStatus, written: boolean, visibleOrders: number | null) {
  switch (h.phase) {
    case "done":
      if (written)
        return {
          summary: "Your store is connected",
          detail: `${fmt(h.orders.published)} orders and ${fmt(h.stock.levels)} stock levels loaded; new orders arrive live`,
        };
      return {
        summary: "Writing the last orders to your dashboard",
        detail:
          visibleOrders === null
            ? "checking your dashboard's database…"
            : `${fmt(visibleOrders)} of ${fmt(h.expectOrders)} orders visible`,
      };
    case "orders":
      return (
        h.running ?? {
          summary: "Loading your recent orders",
          detail: `${fmt(h.orders.published)} of ${fmt(h.orders.total)} orders loaded`,
        }
      );
    case "stock":
      return (
        h.running ?? {
          summary: "Loading current stock levels",
          detail: `${fmt(h.orders.published)} orders loaded; ${fmt(h.stock.levels)} stock levels so far`,
        }
      );
    case "failed":
      return { summary: "Loading your history stopped", detail: "Connect the store again to resume" };
    default:
      return { summary: "Disconnected", detail: "The store disconnected MetricsDash" };
  }
}

/**
 * 100 % means "in your dashboard": every order of the history must be answered by QuestDB. When
 * QuestDB can't be asked (down, or slower than the page's 2 s), the page waits rather than guess.
 */
export function progressReport(
  connection: Connection,
  h: HistoryStatus,
  visibleOrders: number | null,
  dashboardUrl: string,
  script: string | null = null,
): ProgressReport {
  const { platform, shop } = connection;
  const written = visibleOrders !== null && visibleOrders >= h.expectOrders;
  const done = h.phase === "done" && written;
  return {
    platform,
    shop,
    status: connection.status,
    currency: connection.currency,
    timezone: connection.timezone,
    phase: h.phase === "done" && !written ? "writing" : h.phase,
    percent: done ? 100 : Math.min(99, Math.floor(h.fraction * 100)),
    ...describe(h, written, visibleOrders),
    orders: h.orders,
    stock: h.stock,
    visibleOrders,
    startedAt: h.startedAt,
    finishedAt: h.finishedAt,
    error: connection.status === "failed" ? connection.error : h.phase === "failed" ? h.error : null,
    dashboardUrl: done
      ? dashboardUrl.replaceAll("{shop}", encodeURIComponent(shop)).replaceAll("{platform}", platform)
      : null,
    script,
  };
}
