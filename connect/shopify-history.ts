import type { CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import { runBackfill, type Checkpoint } from "../platforms/shopify/backfill.ts";
import { AdminClient, ShopifyAuthError, ShopifyGraphqlError } from "../platforms/shopify/client.ts";
import { KeyedJobs } from "./jobs.ts";
import type { ConnectStore } from "./shopify-shops.ts";

export interface BackfillSettings {
  apiUrl?: string | undefined;
  pageSize: number;
  pollMs: number;
  customerHashKey: string;
  /** Attempts before a backfill that keeps failing is marked failed (it can be restarted by reconnecting). */
  maxAttempts?: number;
}

/**
 * A Shopify shop's history (the orders it had before it connected, loaded by a bulk export or page by
 * page), named as connect/history.ts names the other platforms'. Runs one backfill per shop in this process: starts them after an install, resumes the unfinished
 * ones at start-up (from their checkpoints), retries transient failures with back-off, and stops a
 * shop's work at once when it uninstalls. One connect replica runs the backfills (see README).
 */
export class ShopifyHistory {
  private readonly jobs = new KeyedJobs({
    onFailure: (shop, err) =>
      this.log.error({ shop, err: String(err) }, "Shopify history failed unexpectedly, will retry"),
  });
  private readonly store: ConnectStore;
  private readonly publish: (events: CanonicalEvent[]) => Promise<unknown>;
  private readonly log: Logger;
  private readonly settings: BackfillSettings;

  constructor(
    store: ConnectStore,
    publish: (events: CanonicalEvent[]) => Promise<unknown>,
    log: Logger,
    settings: BackfillSettings,
  ) {
    this.store = store;
    this.publish = publish;
    this.log = log;
    this.settings = settings;
  }

  isRunning(shop: string): boolean {
    return this.jobs.isRunning(shop);
  }

  start(shop: string): void {
    this.jobs.start(shop, (signal) => this.run(shop, signal));
  }

  stop(shop: string): Promise<void> {
    return this.jobs.stop(shop, `backfill of ${shop} stopped`);
  }

  stopAll(): Promise<void> {
    return this.jobs.stopAll("connect service stopping");
  }

  async resumeAll(): Promise<string[]> {
    const unfinished = await this.store.unfinished();
    for (const cp of unfinished) {
      this.log.info(
        { shop: cp.shop, phase: cp.phase, published: cp.orders.published, total: cp.orders.total },
        "resuming backfill from its checkpoint",
      );
      this.start(cp.shop);
    }
    return unfinished.map((cp) => cp.shop);
  }

  private async run(shop: string, signal: AbortSignal): Promise<void> {
    const checkpoint = await this.store.checkpoint(shop);
    if (!checkpoint || checkpoint.phase === "done" || checkpoint.phase === "stopped") return;
    const token = await this.store.token(shop);
    if (!token) {
      await this.fail(checkpoint, "no access token (the shop uninstalled the app)", true);
      return;
    }
    const client = new AdminClient({
      shop,
      accessToken: token,
      apiUrl: this.settings.apiUrl,
      log: this.log,
      signal,
    });
    try {
      const result = await runBackfill(checkpoint, {
        client,
        publish: this.publish,
        save: (cp) => this.store.saveCheckpoint(cp),
        log: this.log,
        customerHashKey: this.settings.customerHashKey,
        signal,
        pageSize: this.settings.pageSize,
        pollMs: this.settings.pollMs,
      });
      if (result.phase === "done") {
        await this.store.updateShop(shop, { status: "live" });
        this.log.info(
          {
            shop,
            orders: result.orders.published,
            inventoryLevels: result.inventory.levels,
            seconds:
              (Date.parse(result.finishedAt ?? result.updatedAt) - Date.parse(result.startedAt)) / 1000,
            requests: client.stats.requests,
            throttled: client.stats.throttled,
            waitedMs: client.stats.waitedMs,
            pointsSpent: client.stats.actualCost,
          },
          "backfill complete",
        );
      }
    } catch (err) {
      if (signal.aborted) {
        this.log.info({ shop }, "backfill stopped");
        return;
      }
      const latest = (await this.store.checkpoint(shop)) ?? checkpoint;
      // A revoked token or a query Shopify will always refuse won't get better by waiting.
      const permanent =
        err instanceof ShopifyAuthError ||
        (err instanceof ShopifyGraphqlError &&
          err.codes.some((c) => c === "MAX_COST_EXCEEDED" || c === "ACCESS_DENIED"));
      await this.fail(latest, (err as Error).message, permanent);
    }
  }

  private async fail(cp: Checkpoint, reason: string, permanent: boolean): Promise<void> {
    const attempts = cp.attempts + 1;
    const giveUp = permanent || attempts >= (this.settings.maxAttempts ?? 6);
    await this.store.saveCheckpoint({
      ...cp,
      attempts,
      error: reason,
      phase: giveUp ? "failed" : cp.phase,
      updatedAt: new Date().toISOString(),
    });
    if (giveUp) {
      this.log.error({ shop: cp.shop, attempts, err: reason }, "backfill failed");
      return;
    }
    const delay = Math.min(60_000, 1000 * 2 ** attempts);
    this.log.warn(
      { shop: cp.shop, attempts, retryInMs: delay, err: reason },
      "backfill interrupted, will resume",
    );
    this.jobs.retry(cp.shop, delay, (signal) => this.run(cp.shop, signal));
  }
}
