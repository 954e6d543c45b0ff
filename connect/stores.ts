import { createHmac } from "node:crypto";
import type { Context, Hono } from "hono";
import { getCookie } from "hono/cookie";
import { shopEvent, boundedToken, type CanonicalEvent } from "../core/events.ts";
import type { Logger } from "../core/log.ts";
import { sqlString, type QuestDb } from "../core/questdb.ts";
import { secretMatches } from "../core/signature.ts";
import { storeWebhookSecret } from "../core/store-secrets.ts";
import { offsetZone } from "../core/zoned.ts";
import type { PlatformApi, PlatformModule } from "../platforms/adapter.ts";
import type { Connection, Connections } from "../platforms/connections.ts";
import { platforms } from "../platforms/index.ts";
import {
  historyProgress,
  newHistoryCheckpoint,
  type HistoryBackfills,
  type HistoryStore,
} from "./history.ts";
import { notFoundPage, problemPage, PROBLEMS, statusPage } from "./pages.ts";

/**
 * What every store connected with its own API keys goes through once its platform's flow has the
 * keys (WooCommerce's key delivery, BigCommerce's app install or API token): credentials sealed,
 * webhooks subscribed with the store's own secret, its currency and zone published, its history
 * backfilled with progress. A platform's flow (connect/woocommerce.ts, connect/bigcommerce.ts) only
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
  storeWebhookKey: string;
  customerHashKey: string;
  /** Keys the status-page cookie: only the browser that connected a store sees its progress. */
  statusKey: Buffer;
  backfillDays: number;
  dashboardUrl: string;
  modules?: PlatformModule[];
}

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
  const now = new Date().toISOString();
  const previous = await ctx.connections.get(platform, shop);

  let info;
  try {
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
  if (api.subscribeWebhooks) {
    const url = `${ctx.ingestUrl.replace(/\/+$/, "")}/webhooks/${platform}`;
    try {
      connection.webhooks = await api.subscribeWebhooks(
        url,
        storeWebhookSecret(ctx.storeWebhookKey, platform, shop),
      );
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
  return `${cookieName(platform, shop)}=${cookieValue(ctx.statusKey, platform, shop)}; Path=${statusPath(platform, shop)}; HttpOnly; SameSite=Lax; Max-Age=2592000`;
}

const cookieName = (platform: string, shop: string) => `md_store_${boundedToken(`${platform}.${shop}`)}`;
const cookieValue = (key: Buffer, platform: string, shop: string) =>
  createHmac("sha256", key).update(`status\u0000${platform}\u0000${shop}`).digest("base64url");
const allowed = (ctx: StoresContext, c: Context, platform: string, shop: string) =>
  secretMatches(cookieValue(ctx.statusKey, platform, shop), getCookie(c, cookieName(platform, shop)));

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

/** `/stores/:platform/:shop` (the live status page) and its JSON twin `/progress`. */
export function mountStoreStatus(app: Hono, ctx: StoresContext): void {
  const visible = visibleCounter(ctx.db);

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
    const [connection, cp] = await Promise.all([
      ctx.connections.get(platform, shop),
      ctx.historyStore.get(platform, shop),
    ]);
    if (!connection || !cp) return c.json({ error: `${platform} store ${shop} is not connected` }, 404);
    if (!allowed(ctx, c, platform, shop))
      return c.json({ error: "open the status page from the browser that connected the store" }, 403);
    const visibleOrders = await visible(platform, shop);
    // 100 % means "in your dashboard": every order of the history must be answered by QuestDB. When
    // QuestDB can't be asked (down, or slower than the page's 2 s), the page waits rather than guess.
    const written = visibleOrders !== null && visibleOrders >= (cp.totalOrders ?? cp.published);
    const done = cp.phase === "done" && written;
    const fmt = (n: number | null) => (n === null ? "?" : n.toLocaleString("en"));
    const described =
      cp.phase === "done"
        ? written
          ? {
              summary: "Your store is connected",
              detail: `${fmt(cp.published)} orders and ${fmt(cp.levels)} stock levels loaded; new orders arrive live`,
            }
          : {
              summary: "Writing the last orders to your dashboard",
              detail:
                visibleOrders === null
                  ? "checking your dashboard's database…"
                  : `${fmt(visibleOrders)} of ${fmt(cp.totalOrders ?? cp.published)} orders visible`,
            }
        : cp.phase === "orders"
          ? {
              summary: "Loading your recent orders",
              detail: `${fmt(cp.published)} of ${fmt(cp.totalOrders)} orders loaded`,
            }
          : cp.phase === "stock"
            ? {
                summary: "Loading current stock levels",
                detail: `${fmt(cp.published)} orders loaded; ${fmt(cp.levels)} stock levels so far`,
              }
            : cp.phase === "failed"
              ? { summary: "Loading your history stopped", detail: "Connect the store again to resume" }
              : { summary: "Disconnected", detail: "The store disconnected MetricsDash" };
    return c.json({
      platform,
      shop,
      status: connection.status,
      currency: connection.currency,
      timezone: connection.timezone,
      phase: cp.phase === "done" && !written ? "writing" : cp.phase,
      percent: done ? 100 : Math.min(99, Math.floor(historyProgress(cp) * 100)),
      ...described,
      orders: { published: cp.published, total: cp.totalOrders },
      stock: { levels: cp.levels, page: cp.stockNextPage - 1, pages: cp.stockTotalPages },
      pages: { next: cp.nextPage, total: cp.totalPages },
      visibleOrders,
      startedAt: cp.startedAt,
      finishedAt: cp.finishedAt,
      error: connection.status === "failed" ? connection.error : cp.phase === "failed" ? cp.error : null,
      dashboardUrl: done
        ? ctx.dashboardUrl.replaceAll("{shop}", encodeURIComponent(shop)).replaceAll("{platform}", platform)
        : null,
    });
  });
}
