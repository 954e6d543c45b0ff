import type { Context, Hono, MiddlewareHandler } from "hono";
import { shopEvent, type CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import { sqlString, type QuestDb } from "../core/questdb.ts";
import { statusAccess } from "./status-cookie.ts";
import { storeWebhookSecret } from "../core/store-secrets.ts";
import { offsetZone } from "../core/zoned.ts";
import type { PlatformApi, PlatformModule } from "../platforms/adapter.ts";
import type { Connection, Connections } from "../platforms/connections.ts";
import { platforms } from "../platforms/index.ts";
import type { ConnectFlow } from "./flow.ts";
import { newHistoryCheckpoint, type HistoryBackfills, type HistoryStore } from "./history.ts";
import { progressReport, storeHistoryReader, type HistoryStatus } from "./progress.ts";
import { notFoundPage, problemPage, PROBLEMS, statusPage } from "./pages.ts";
import { storeScriptTag } from "./behaviour-sites.ts";
import { jsonError } from "../core/http-error.ts";

/**
 * What every store connected with its own API keys goes through once its platform's flow has the
 * keys (WooCommerce's key delivery, BigCommerce's app install or API token): credentials sealed,
 * webhooks subscribed with the store's own secret, its currency and zone published, its history
 * backfilled with progress. A platform's flow (platforms/<name>/connect.ts) only
 * obtains the keys and names the store.
 */

export interface StoresContext {
  connections: Connections;
  history: HistoryBackfills;
  historyStore: HistoryStore;
  publish: (events: CanonicalEvent[]) => Promise<unknown>;
  db: QuestDb;
  log: Logger;
  /** Where the platform delivers webhooks (ingest's public address). */
  ingestUrl: string;
  /** Where storefronts load the SDK and post beacons (the behaviour process's public address). */
  behaviourUrl: string;
  /** STORE_WEBHOOK_KEY: each store's webhook secret derives from it (absent when only app installs run). */
  storeWebhookKey?: string | undefined;
  customerHashKey: string;
  /** Keys the status-page cookie: only the browser that connected a store sees its progress. */
  statusKey: Buffer;
  backfillDays: number;
  dashboardUrl: string;
  modules?: PlatformModule[];
  /** Put in front of every route that starts connecting a store: caps what one visitor starts. */
  connectQuota?: MiddlewareHandler;
}

/** The middleware of a route that starts connecting a store: the visitor quota, when the service set one. */
export const startsConnect = (ctx: StoresContext): MiddlewareHandler =>
  ctx.connectQuota ?? ((_c, next) => next());

export class ConnectFailed extends Error {
  readonly step: string;
  constructor(step: string, cause: unknown) {
    super(`${step}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = "ConnectFailed";
    this.step = step;
  }
}

function connectedApi(ctx: StoresContext, platform: string) {
  const module = (ctx.modules ?? platforms).find((m) => m.platform === platform)?.api?.connected;
  if (!module) throw new Error(`${platform} stores can't connect with their own keys`);
  return module;
}

/** The API of a connected store, from its sealed credentials; null when it is not (or no longer) connected. */
export async function storeApi(
  ctx: StoresContext,
  platform: string,
  shop: string,
): Promise<PlatformApi | null> {
  const connection = await ctx.connections.get(platform, shop);
  if (!connection || connection.status === "disconnected" || !connection.credentials) return null;
  const module = connectedApi(ctx, platform);
  return module.create(ctx.connections.openCredentials(connection, module.credentials), {
    customerHashKey: ctx.customerHashKey,
    log: ctx.log,
  });
}

/**
 * Completes a connection. Safe to repeat (a reconnect): the webhook secret derives from the store's
 * name, so hooks stay valid; an unfinished history resumes, a finished one is not run again unless
 * the store had disconnected.
 */
export async function connectStore(
  ctx: StoresContext,
  store: { platform: string; shop: string; name: string | null; credentials: unknown },
): Promise<Connection> {
  const { platform, shop } = store;
  const module = connectedApi(ctx, platform);
  const credentials = module.credentials.parse(store.credentials);
  const api = module.create(credentials, { customerHashKey: ctx.customerHashKey, log: ctx.log });
  // Flows of stores with their own keys run only with STORE_WEBHOOK_KEY (platforms/connect-switch.ts).
  const webhookKey = ctx.storeWebhookKey;
  if (api.subscribeWebhooks && !webhookKey)
    throw new ConnectFailed(`subscribing ${platform} webhooks`, new Error("STORE_WEBHOOK_KEY is not set"));
  const now = new Date().toISOString();
  const previous = await ctx.connections.get(platform, shop);

  let info;
  try {
    if (!api.shopInfo) throw new Error(`${platform} has no store settings to read`);
    info = await api.shopInfo();
  } catch (err) {
    throw new ConnectFailed(`reading ${platform} store settings`, err);
  }
  const sealed = ctx.connections.sealCredentials(platform, shop, credentials);
  const connection: Connection = {
    platform,
    shop,
    status: "backfilling",
    name: store.name,
    currency: info.currency,
    timezone: info.timeZone ?? (info.utcOffsetMinutes === null ? null : offsetZone(info.utcOffsetMinutes)),
    connectedAt: previous?.connectedAt ?? now,
    updatedAt: now,
    credentials: sealed,
    webhooks: previous?.webhooks ?? [],
    error: null,
  };
  // Sealed keys before hooks: the processors' fetchers follow this bucket, so the first webhook's
  // references find the store's API (a BigCommerce hook can fire the moment it exists).
  await ctx.connections.put(connection);
  if (api.subscribeWebhooks && webhookKey) {
    const url = `${ctx.ingestUrl.replace(/\/+$/, "")}/webhooks/${platform}`;
    try {
      connection.webhooks = await api.subscribeWebhooks(url, storeWebhookSecret(webhookKey, platform, shop));
    } catch (err) {
      // The connect is refused (WooCommerce then deletes the key it made): keep no credentials.
      await ctx.connections.update(platform, shop, {
        status: "failed",
        credentials: "",
        error: `subscribing webhooks: ${String(err)}`,
      });
      throw new ConnectFailed(`subscribing ${platform} webhooks`, err);
    }
    await ctx.connections.update(platform, shop, { webhooks: connection.webhooks });
  }
  await ctx.publish([shopEvent(platform, shop, info, now)]);

  const checkpoint = await ctx.historyStore.get(platform, shop);
  // Back after a disconnect (or refused keys), the store may have missed more than the catch-up
  // looks back: its history runs again (upserts make the repeats harmless).
  const returning = previous?.status === "disconnected" || previous?.status === "failed";
  if (checkpoint?.phase === "done" && !returning) {
    await ctx.connections.update(platform, shop, { status: "live" });
  } else {
    if (returning || (checkpoint?.phase !== "orders" && checkpoint?.phase !== "stock"))
      await ctx.historyStore.save(newHistoryCheckpoint(platform, shop, ctx.backfillDays));
    ctx.history.start(platform, shop);
  }
  ctx.log.info(
    {
      platform,
      shop,
      currency: connection.currency,
      timezone: connection.timezone,
      webhooks: connection.webhooks.length,
      reconnect: previous !== null,
      returning,
    },
    "store connected",
  );
  return connection;
}

/** A store that uninstalled the app (or whose keys were revoked): history stopped, keys dropped. */
export async function disconnectStore(ctx: StoresContext, platform: string, shop: string): Promise<void> {
  await ctx.history.stop(platform, shop);
  await ctx.connections.disconnect(platform, shop);
  const cp = await ctx.historyStore.get(platform, shop);
  if (cp?.phase === "orders" || cp?.phase === "stock")
    await ctx.historyStore.save({ ...cp, phase: "stopped", updatedAt: new Date().toISOString() });
  ctx.log.info({ platform, shop }, "store disconnected: history stopped, keys dropped");
}

/** The status page's path for a store: `/stores/<platform>/<shop>`. */
export const statusPath = (platform: string, shop: string) =>
  `/stores/${encodeURIComponent(platform)}/${encodeURIComponent(shop)}`;

/** An HMAC of the store in a cookie scoped to its status page, left by the flow that connected it. */
export function statusCookie(ctx: Pick<StoresContext, "statusKey">, platform: string, shop: string): string {
  return statusAccess(ctx.statusKey, STORE_COOKIE).cookie([platform, shop], statusPath(platform, shop));
}

const STORE_COOKIE = "md_store_";
const allowed = (ctx: StoresContext, c: Context, platform: string, shop: string) =>
  statusAccess(ctx.statusKey, STORE_COOKIE).allowed(c, [platform, shop]);

/** Orders of a store QuestDB already answers with ("data visible"), asked at most once a second per store. */
export function visibleCounter(db: QuestDb) {
  const cache = new Map<string, { at: number; count: number | null }>();
  return async (platform: string, shop: string): Promise<number | null> => {
    const key = `${platform}\u0000${shop}`;
    const hit = cache.get(key);
    if (hit && Date.now() - hit.at < 1000) return hit.count;
    let count: number | null;
    try {
      const result = await db.exec<[number]>(
        `SELECT count() FROM orders WHERE platform = ${sqlString(platform)} AND shop = ${sqlString(shop)}`,
        { timeoutMs: 2000 },
      );
      count = result.dataset[0]?.[0] ?? 0;
    } catch {
      count = null; // QuestDB not there (yet): the page says nothing rather than something wrong
    }
    cache.set(key, { at: Date.now(), count });
    return count;
  };
}

/**
 * `/stores/:platform/:shop` (the live status page) and its JSON twin `/progress`: the one status page
 * and progress route of every store, whichever job loads its history (a flow's own, or connect/history.ts).
 */
export function mountStoreStatus(app: Hono, ctx: StoresContext, flows: readonly ConnectFlow[] = []): void {
  const visible = visibleCounter(ctx.db);
  const historyOf = async (platform: string, shop: string): Promise<HistoryStatus | null> => {
    const own = flows.find((flow) => flow.platform === platform)?.historyStatus;
    return own ? own(shop) : storeHistoryReader(ctx.historyStore, platform).status(shop);
  };

  app.get("/stores/:platform/:shop", async (c) => {
    const { platform, shop } = c.req.param();
    const connection = await ctx.connections.get(platform, shop);
    if (!connection) return c.html(notFoundPage(shop), 404);
    if (!allowed(ctx, c, platform, shop))
      return c.html(problemPage("not_yours", shop), PROBLEMS.not_yours.status);
    return c.html(statusPage(connection.name ?? shop, `${statusPath(platform, shop)}/progress`));
  });

  app.get("/stores/:platform/:shop/progress", async (c) => {
    const { platform, shop } = c.req.param();
    const [connection, history] = await Promise.all([
      ctx.connections.get(platform, shop),
      historyOf(platform, shop),
    ]);
    if (!connection || !history)
      return jsonError(c, 404, "not_connected", `${platform} store ${shop} is not connected`);
    if (!allowed(ctx, c, platform, shop))
      return jsonError(c, 403, "not_yours", "open the status page from the browser that connected the store");
    const visibleOrders = await visible(platform, shop);
    // The browser SDK's tag for the storefront (connect/behaviour-sites.ts created the site).
    const script =
      connection.status === "disconnected"
        ? null
        : storeScriptTag(ctx.behaviourUrl, platform, shop, ctx.modules);
    return c.json(progressReport(connection, history, visibleOrders, ctx.dashboardUrl, script));
  });
}
