import type { CanonicalEvent } from "../../core/events.ts";
import type { Logger } from "../../core/log.ts";
import { KeyedJobs } from "../../connect/jobs.ts";
import type { Connections } from "../connections.ts";
import { ShopifyCredentials } from "./api.ts";
import { runBackfill, type Checkpoint } from "./backfill.ts";
import type { ShopifyCheckpoints } from "./checkpoints.ts";
import { AdminClient, ShopifyAuthError, ShopifyGraphqlError } from "./client.ts";
import { PLATFORM } from "./constants.ts";

export interface BackfillSettings {
  pageSize: number;
  pollMs: number;
  customerHashKey: string;
  /** Attempts before a backfill that keeps failing is marked failed (it can be restarted by reconnecting). */
  maxAttempts?: number;
}

export interface HistoryDeps {
  checkpoints: ShopifyCheckpoints;
  /** Where the shop's sealed token is, as every connected store's keys are. */
  connections: Connections;
  publish: (events: CanonicalEvent[]) => Promise<unknown>;
  log: Logger;
}

/**
 * A Shopify shop's history (the orders it had before it connected, loaded by a bulk export or page by
 * page), named as connect/history.ts names the other platforms'. Runs one backfill per shop in this
 * process: starts them after an install, resumes the unfinished ones at start-up (from their
 * checkpoints), retries transient failures with back-off, and stops a shop's work at once when it
 * uninstalls. One connect replica runs the backfills (see README).
 */
export class ShopifyHistory {
  private readonly jobs = new KeyedJobs({
    onFailure: (shop, err) =>
      this.deps.log.error({ shop, err: String(err) }, "Shopify history failed unexpectedly, will retry"),
  });
  private readonly deps: HistoryDeps;
  private readonly settings: BackfillSettings;

  constructor(deps: HistoryDeps, settings: BackfillSettings) {
    this.deps = deps;
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
    const unfinished = await this.deps.checkpoints.unfinished();
    for (const cp of unfinished) {
      this.deps.log.info(
        { shop: cp.shop, phase: cp.phase, published: cp.orders.published, total: cp.orders.total },
        "resuming backfill from its checkpoint",
      );
      this.start(cp.shop);
    }
    return unfinished.map((cp) => cp.shop);
  }

  /** The shop's token and API base from its connection; null once it disconnected. */
  private async credentials(shop: string): Promise<ShopifyCredentials | null> {
    const { connections } = this.deps;
    const connection = await connections.get(PLATFORM, shop);
    if (!connection || connection.status === "disconnected" || !connection.credentials) return null;
    return connections.openCredentials(connection, ShopifyCredentials);
  }

  private async run(shop: string, signal: AbortSignal): Promise<void> {
    const { checkpoints, log } = this.deps;
    const checkpoint = await checkpoints.get(shop);
    if (!checkpoint || checkpoint.phase === "done" || checkpoint.phase === "stopped") return;
    const credentials = await this.credentials(shop);
    if (!credentials) {
      await this.fail(checkpoint, "no access token (the shop uninstalled the app)", true);
      return;
    }
    const client = new AdminClient({ ...credentials, log, signal });
    try {
      const result = await runBackfill(checkpoint, {
        client,
        publish: this.deps.publish,
        save: (cp) => checkpoints.save(cp),
        log,
        customerHashKey: this.settings.customerHashKey,
        signal,
        pageSize: this.settings.pageSize,
        pollMs: this.settings.pollMs,
      });
      if (result.phase === "done") await this.finished(result, client);
    } catch (err) {
      if (signal.aborted) {
        log.info({ shop }, "backfill stopped");
        return;
      }
      const latest = (await checkpoints.get(shop)) ?? checkpoint;
      // A revoked token or a query Shopify will always refuse won't get better by waiting.
      const permanent =
        err instanceof ShopifyAuthError ||
        (err instanceof ShopifyGraphqlError &&
          err.codes.some((c) => c === "MAX_COST_EXCEEDED" || c === "ACCESS_DENIED"));
      // Shopify refused the token (401): the store is marked failed like any store refusing its keys.
      if (err instanceof ShopifyAuthError)
        await this.deps.connections.update(PLATFORM, shop, {
          status: "failed",
          error: `Shopify refused our token (the app uninstalled?): connect it again. ${err.message}`,
        });
      await this.fail(latest, (err as Error).message, permanent);
    }
  }

  private async finished(result: Checkpoint, client: AdminClient): Promise<void> {
    await this.deps.connections.update(PLATFORM, result.shop, { status: "live" });
    this.deps.log.info(
      {
        shop: result.shop,
        orders: result.orders.published,
        inventoryLevels: result.inventory.levels,
        seconds: (Date.parse(result.finishedAt ?? result.updatedAt) - Date.parse(result.startedAt)) / 1000,
        requests: client.stats.requests,
        throttled: client.stats.throttled,
        waitedMs: client.stats.waitedMs,
        pointsSpent: client.stats.actualCost,
      },
      "backfill complete",
    );
  }

  private async fail(cp: Checkpoint, reason: string, permanent: boolean): Promise<void> {
    const attempts = cp.attempts + 1;
    const giveUp = permanent || attempts >= (this.settings.maxAttempts ?? 6);
    await this.deps.checkpoints.save({
      ...cp,
      attempts,
      error: reason,
      phase: giveUp ? "failed" : cp.phase,
      updatedAt: new Date().toISOString(),
    });
    if (giveUp) {
      this.deps.log.error({ shop: cp.shop, attempts, err: reason }, "backfill failed");
      return;
    }
    const delay = Math.min(60_000, 1000 * 2 ** attempts);
    this.deps.log.warn(
      { shop: cp.shop, attempts, retryInMs: delay, err: reason },
      "backfill interrupted, will resume",
    );
    this.jobs.retry(cp.shop, delay, (signal) => this.run(cp.shop, signal));
  }
}
