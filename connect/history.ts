import type { KV } from "@nats-io/kv";
import { z } from "zod";
import { boundedToken, type CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import type { PlatformApi } from "../platforms/adapter.ts";
import { KeyedJobs } from "./jobs.ts";

/**
 * The history of a store connected with its own API keys (WooCommerce, BigCommerce): the orders
 * created in the last N days, page by page through the platform's `historyPage`, then its current
 * stock through `stockPage`, published on the webhooks' JetStream path. The window is fixed when the store connects, so pages stay stable and
 * the checkpoint (next page, saved after JetStream acked each page) resumes a crash without gaps; a
 * repeated page is harmless (same `Nats-Msg-Id`, upserts downstream).
 */

export const HISTORY_BUCKET = "history_backfill";

export const HistoryCheckpoint = z.object({
  platform: z.string(),
  shop: z.string(),
  phase: z.enum(["orders", "stock", "done", "failed", "stopped"]),
  from: z.string(),
  to: z.string(),
  nextPage: z.number().int().min(1),
  totalPages: z.number().int().nullable(),
  totalOrders: z.number().int().nullable(),
  /** Orders (or references to orders, for platforms whose pages are thin) published so far. */
  published: z.number().int(),
  /** Then the store's current stock, page by page (checkpoints from before this phase existed start it at 1). */
  stockNextPage: z.number().int().min(1).default(1),
  stockTotalPages: z.number().int().nullable().default(null),
  levels: z.number().int().default(0),
  attempts: z.number().int(),
  error: z.string().nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type HistoryCheckpoint = z.infer<typeof HistoryCheckpoint>;

export function newHistoryCheckpoint(
  platform: string,
  shop: string,
  days: number,
  now = Date.now(),
): HistoryCheckpoint {
  const at = new Date(now).toISOString();
  return {
    platform,
    shop,
    phase: "orders",
    from: new Date(now - days * 86_400_000).toISOString(),
    to: at,
    nextPage: 1,
    totalPages: null,
    totalOrders: null,
    published: 0,
    stockNextPage: 1,
    stockTotalPages: null,
    levels: 0,
    attempts: 0,
    error: null,
    startedAt: at,
    updatedAt: at,
    finishedAt: null,
  };
}

/** Share of the history published, 0..1: orders weigh 90 % (pages when the platform gives no count), stock 10 %. */
export function historyProgress(cp: HistoryCheckpoint): number {
  if (cp.phase === "done") return 1;
  if (cp.phase === "stock")
    return 0.9 + 0.1 * (cp.stockTotalPages ? Math.min(1, (cp.stockNextPage - 1) / cp.stockTotalPages) : 0);
  if (cp.totalOrders) return 0.9 * Math.min(1, cp.published / cp.totalOrders);
  if (cp.totalPages) return 0.9 * Math.min(1, (cp.nextPage - 1) / cp.totalPages);
  return 0;
}

const isOrder = (event: CanonicalEvent) =>
  event.type === "order" || (event.type === "ref" && event.ref.resource === "order");

export class HistoryStore {
  private readonly kv: KV;
  constructor(kv: KV) {
    this.kv = kv;
  }
  private static key = (platform: string, shop: string) => `${boundedToken(platform)}.${boundedToken(shop)}`;

  async save(cp: HistoryCheckpoint): Promise<void> {
    await this.kv.put(HistoryStore.key(cp.platform, cp.shop), JSON.stringify(HistoryCheckpoint.parse(cp)));
  }

  async get(platform: string, shop: string): Promise<HistoryCheckpoint | null> {
    const entry = await this.kv.get(HistoryStore.key(platform, shop));
    if (!entry || entry.operation !== "PUT" || entry.value.length === 0) return null;
    return HistoryCheckpoint.parse(entry.json());
  }

  /** Every change of one store's checkpoint, for the CLI progress bar. */
  async *watch(platform: string, shop: string): AsyncIterable<HistoryCheckpoint> {
    for await (const entry of await this.kv.watch({ key: HistoryStore.key(platform, shop) }))
      if (entry.operation === "PUT" && entry.value.length > 0) yield HistoryCheckpoint.parse(entry.json());
  }

  async unfinished(): Promise<HistoryCheckpoint[]> {
    const found: HistoryCheckpoint[] = [];
    for await (const key of await this.kv.keys()) {
      const entry = await this.kv.get(key);
      if (!entry || entry.operation !== "PUT" || entry.value.length === 0) continue;
      const cp = HistoryCheckpoint.parse(entry.json());
      if (cp.phase === "orders" || cp.phase === "stock") found.push(cp);
    }
    return found;
  }
}

export interface HistoryDeps {
  store: HistoryStore;
  /** The store's API, built from its sealed credentials; null once it disconnected. */
  api: (platform: string, shop: string) => Promise<PlatformApi | null>;
  publish: (events: CanonicalEvent[]) => Promise<unknown>;
  /** Called once a history is complete (the connection goes live). */
  finished: (cp: HistoryCheckpoint) => Promise<void>;
  log: Logger;
  maxAttempts?: number;
}

/**
 * One history per store in this process: started at connect, resumed from checkpoints at start-up,
 * retried with back-off on transient failures, stopped at once when the store disconnects.
 */
export class HistoryBackfills {
  private readonly jobs = new KeyedJobs({
    onFailure: (key, err) =>
      this.deps.log.error({ key, err: String(err) }, "history failed unexpectedly, will retry"),
  });
  private readonly deps: HistoryDeps;

  constructor(deps: HistoryDeps) {
    this.deps = deps;
  }

  private static id = (platform: string, shop: string) => `${platform}\u0000${shop}`;

  start(platform: string, shop: string): void {
    this.jobs.start(HistoryBackfills.id(platform, shop), (signal) => this.run(platform, shop, signal));
  }

  stop(platform: string, shop: string): Promise<void> {
    return this.jobs.stop(HistoryBackfills.id(platform, shop), `history of ${platform}:${shop} stopped`);
  }

  stopAll(): Promise<void> {
    return this.jobs.stopAll("connect service stopping");
  }

  async resumeAll(): Promise<HistoryCheckpoint[]> {
    const unfinished = await this.deps.store.unfinished();
    for (const cp of unfinished) {
      this.deps.log.info(
        { platform: cp.platform, shop: cp.shop, nextPage: cp.nextPage, totalPages: cp.totalPages },
        "resuming history from its checkpoint",
      );
      this.start(cp.platform, cp.shop);
    }
    return unfinished;
  }

  private async run(platform: string, shop: string, signal: AbortSignal): Promise<void> {
    const { store, log } = this.deps;
    let cp = await store.get(platform, shop);
    if (!cp || (cp.phase !== "orders" && cp.phase !== "stock")) return;
    try {
      const api = await this.deps.api(platform, shop);
      if (!api) {
        await this.fail(cp, "the store is no longer connected", true);
        return;
      }
      if (!api.historyPage) throw new Error(`${platform} has no history API`);
      const window = { from: new Date(cp.from), to: new Date(cp.to) };
      while (
        !signal.aborted &&
        cp.phase === "orders" &&
        (cp.totalPages === null || cp.nextPage <= cp.totalPages)
      ) {
        const page = await api.historyPage(window, cp.nextPage, new Date().toISOString());
        if (signal.aborted) break;
        if (page.events.length) await this.deps.publish(page.events);
        cp = {
          ...cp,
          nextPage: cp.nextPage + 1,
          totalPages: page.totalPages,
          totalOrders: page.totalOrders ?? cp.totalOrders,
          published: cp.published + page.events.filter(isOrder).length,
          attempts: 0,
          error: null,
          updatedAt: new Date().toISOString(),
        };
        await store.save(cp);
      }
      if (api.stockPage && cp.phase === "orders" && !signal.aborted) {
        cp = { ...cp, phase: "stock", updatedAt: new Date().toISOString() };
        await store.save(cp);
      }
      while (
        api.stockPage &&
        !signal.aborted &&
        cp.phase === "stock" &&
        (cp.stockTotalPages === null || cp.stockNextPage <= cp.stockTotalPages)
      ) {
        const page = await api.stockPage(cp.stockNextPage, new Date().toISOString());
        if (signal.aborted) break;
        if (page.events.length) await this.deps.publish(page.events);
        cp = {
          ...cp,
          stockNextPage: cp.stockNextPage + 1,
          stockTotalPages: page.totalPages,
          levels: cp.levels + page.events.length,
          attempts: 0,
          error: null,
          updatedAt: new Date().toISOString(),
        };
        await store.save(cp);
      }
      if (signal.aborted) {
        log.info({ platform, shop, phase: cp.phase, nextPage: cp.nextPage }, "history stopped");
        return;
      }
      const at = new Date().toISOString();
      cp = { ...cp, phase: "done", updatedAt: at, finishedAt: at };
      await store.save(cp);
      await this.deps.finished(cp);
      log.info(
        {
          platform,
          shop,
          orders: cp.published,
          pages: cp.totalPages,
          stockLevels: cp.levels,
          seconds: (Date.parse(at) - Date.parse(cp.startedAt)) / 1000,
        },
        "history complete",
      );
    } catch (err) {
      if (signal.aborted) return;
      await this.fail((await store.get(platform, shop)) ?? cp, (err as Error).message, false);
    }
  }

  private async fail(cp: HistoryCheckpoint, reason: string, permanent: boolean): Promise<void> {
    const attempts = cp.attempts + 1;
    const giveUp = permanent || attempts >= (this.deps.maxAttempts ?? 6);
    await this.deps.store.save({
      ...cp,
      attempts,
      error: reason,
      phase: giveUp ? "failed" : cp.phase,
      updatedAt: new Date().toISOString(),
    });
    const where = { platform: cp.platform, shop: cp.shop, attempts, err: reason };
    if (giveUp) {
      this.deps.log.error(where, "history failed");
      return;
    }
    const delay = Math.min(60_000, 1000 * 2 ** attempts);
    this.deps.log.warn({ ...where, retryInMs: delay }, "history interrupted, will resume");
    this.jobs.retry(HistoryBackfills.id(cp.platform, cp.shop), delay, (signal) =>
      this.run(cp.platform, cp.shop, signal),
    );
  }
}
