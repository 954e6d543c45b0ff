import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { customerKey } from "../core/identity.ts";
import { parseJsonExact } from "../core/json.ts";
import type { Logger } from "../core/log.ts";
import type { QuestDb } from "../core/questdb.ts";
import { hmacSha256Matches } from "../core/signature.ts";
import { MAX_LENGTH } from "../core/limits.ts";
import { statusAccess } from "./status-cookie.ts";
import { progressOf, type Checkpoint } from "../platforms/shopify/backfill.ts";
import { PLATFORM } from "../platforms/shopify/index.ts";
import { CALLBACK_PATH, InstallError, type OAuth } from "../platforms/shopify/oauth.ts";
import type { ShopifyHistory } from "./shopify-history.ts";
import { APP_WEBHOOK_PATH, installShop, type InstallDeps } from "./install.ts";
import { connectPage, notFoundPage, problemPage, PROBLEMS, statusPage } from "./pages.ts";
import { redactCustomer, redactShop } from "./redact.ts";
import { ReplayGuard } from "./replay-guard.ts";
import type { ConnectStore } from "./shopify-shops.ts";
import type { ConnectFlow } from "./flow.ts";
import { mountStoreStatus, visibleCounter, type StoresContext } from "./stores.ts";

export interface ShopifyConnectOptions {
  oauth: OAuth;
  store: ConnectStore;
  backfills: ShopifyHistory;
  install: Omit<InstallDeps, "store" | "backfills" | "log">;
  apiSecret: string;
  customerHashKey: string;
  dashboardUrl: string;
}

export interface ConnectAppOptions {
  /** The Shopify app install, when SHOPIFY_API_KEY is set. */
  shopify?: ShopifyConnectOptions | undefined;
  /** Stores that connect with their own API keys (WooCommerce, BigCommerce), when STORE_WEBHOOK_KEY is set. */
  stores?: { ctx: StoresContext; flows: ConnectFlow[] } | undefined;
  db: QuestDb;
  log: Logger;
  ready: () => Promise<boolean>;
}

function describe(cp: Checkpoint): { summary: string; detail: string } {
  const fmt = (n: number | null) => (n === null ? "?" : n.toLocaleString("en"));
  switch (cp.phase) {
    case "orders":
      if (
        cp.mode === "bulk" &&
        cp.orders.exported < (cp.orders.total ?? Infinity) &&
        cp.orders.published === 0
      )
        return {
          summary: "Shopify is exporting your recent orders",
          detail: `${fmt(cp.orders.exported)} of ${fmt(cp.orders.total)} orders exported${cp.orders.previewed ? `; the newest ${fmt(cp.orders.previewed)} are already in your dashboard` : ""}`,
        };
      return {
        summary: "Loading your recent orders",
        detail: `${fmt(cp.orders.published)} of ${fmt(cp.orders.total)} orders loaded`,
      };
    case "inventory":
      return {
        summary: "Loading current inventory",
        detail: `${fmt(cp.inventory.levels)} stock levels loaded`,
      };
    case "done":
      return {
        summary: "Your store is connected",
        detail: `${fmt(cp.orders.published)} orders and ${fmt(cp.inventory.levels)} stock levels loaded; new orders arrive live`,
      };
    case "failed":
      return { summary: "Loading your history stopped", detail: "Reconnect the store to try again" };
    default:
      return { summary: "Disconnected", detail: "The app was uninstalled from this store" };
  }
}

/** The shop's status page is for the browser that installed the app: its cookie is keyed with the app secret. */
function shopStatusAccess(apiSecret: string) {
  const access = statusAccess(apiSecret, "md_status_");
  return {
    cookie: (shop: string) => access.cookie([shop], `/status/${encodeURIComponent(shop)}`),
    allowed: (c: Context, shop: string) => access.allowed(c, [shop]),
  };
}

/** A path part as a route parameter sees it (decoded), or as it came when it isn't valid percent-encoding. */
function pathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch (err) {
    if (!(err instanceof URIError)) throw err;
    return part;
  }
}

export function createConnectApp(options: ConnectAppOptions): Hono {
  const { log } = options;
  const app = new Hono();
  const flows = options.stores?.flows ?? [];

  // A path part longer than any shop name can't name a store: 404 before it reaches a KV key (one
  // of 4,100 characters once made nats-server drop the service's connection).
  app.use("*", async (c, next) => {
    if (c.req.path.split("/").some((part) => pathPart(part).length > MAX_LENGTH.shop))
      return c.json({ error: { code: "not_found", message: "no such page" } }, 404);
    await next();
  });
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) =>
    (await options.ready()) ? c.json({ status: "ready" }) : c.json({ status: "not ready" }, 503),
  );

  app.get("/", (c) =>
    c.html(
      connectPage({
        shopify: Boolean(options.shopify),
        shop: c.req.query("shop") ?? "",
        sections: flows.map((flow) => flow.section()),
      }),
    ),
  );
  if (options.shopify) mountShopify(app, options.shopify, options.db, log, flows);
  if (options.stores) {
    mountStoreStatus(app, options.stores.ctx);
    for (const flow of options.stores.flows) flow.mount(app, options.stores.ctx);
  }

  app.notFound((c) =>
    c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404),
  );
  app.onError((err, c) => {
    log.error({ err: err.message, path: c.req.path }, "unhandled error in connect");
    return c.json({ error: { code: "internal", message: "internal error" } }, 500);
  });
  return app;
}

/** The Shopify app: OAuth install, the shop's status page, app/uninstalled and the privacy webhooks. */
function mountShopify(
  app: Hono,
  options: ShopifyConnectOptions,
  db: QuestDb,
  log: Logger,
  flows: ConnectFlow[],
): void {
  const { oauth, store, backfills } = options;
  const access = shopStatusAccess(options.apiSecret);
  const visible = visibleCounter(db);
  const visibleShop = (shop: string) => visible(PLATFORM, shop);
  const deps: InstallDeps = { ...options.install, store, backfills, log };
  const sections = () => flows.map((flow) => flow.section());
  const replays = new ReplayGuard();

  app.get("/connect", async (c) => {
    const typed = c.req.query("shop") ?? "";
    const shop = oauth.sanitizeShop(typed);
    if (!shop) {
      return c.html(
        connectPage({
          shopify: true,
          shop: typed,
          error: `“${typed}” isn't a Shopify store address. ${PROBLEMS.bad_domain.text}`,
          sections: sections(),
        }),
        400,
      );
    }
    return oauth.begin(shop, c.req.raw);
  });

  app.get(CALLBACK_PATH, async (c) => {
    const shopParam = c.req.query("shop") ?? undefined;
    let granted;
    try {
      granted = await oauth.callback(c.req.raw);
    } catch (err) {
      if (!(err instanceof InstallError)) throw err;
      log.warn({ shop: shopParam, problem: err.problem, reason: err.message }, "install not completed");
      return c.html(problemPage(err.problem, shopParam), PROBLEMS[err.problem].status);
    }
    try {
      await installShop(granted, deps);
    } catch (err) {
      log.error({ shop: granted.shop, err: (err as Error).message }, "install set-up failed");
      return c.html(problemPage("setup_failed", granted.shop), PROBLEMS.setup_failed.status);
    }
    const headers = new Headers(granted.headers);
    headers.set("location", `/status/${encodeURIComponent(granted.shop)}`);
    headers.append("set-cookie", access.cookie(granted.shop));
    return new Response(null, { status: 302, headers });
  });

  app.get("/status/:shop", async (c) => {
    const shop = c.req.param("shop");
    if (!(await store.shop(shop))) return c.html(notFoundPage(shop), 404);
    if (!access.allowed(c, shop)) return c.html(problemPage("not_yours", shop), PROBLEMS.not_yours.status);
    return c.html(statusPage(shop, `/status/${encodeURIComponent(shop)}/progress`));
  });

  app.get("/status/:shop/progress", async (c) => {
    const shop = c.req.param("shop");
    const [record, cp] = await Promise.all([store.shop(shop), store.checkpoint(shop)]);
    if (!record || !cp) return c.json({ error: `${shop} is not connected` }, 404);
    if (!access.allowed(c, shop))
      return c.json({ error: "open the status page from the browser that connected the store" }, 403);
    const visibleOrders = await visibleShop(shop);
    // 100 % means "in your dashboard", not "sent": wait until QuestDB answers with every backfilled
    // order (it may hold more, from live webhooks). If QuestDB can't be asked, trust the backfill.
    const written = visibleOrders === null || visibleOrders >= cp.orders.published;
    const done = cp.phase === "done" && written;
    const described =
      cp.phase === "done" && !written
        ? {
            summary: "Writing the last orders to your dashboard",
            detail: `${visibleOrders} of ${cp.orders.published} orders visible`,
          }
        : describe(cp);
    return c.json({
      shop,
      status: record.status,
      currency: record.currency,
      timezone: record.timezone,
      mode: cp.mode,
      phase: cp.phase === "done" && !written ? "writing" : cp.phase,
      percent: done ? 100 : Math.min(99, Math.floor(progressOf(cp) * 100)),
      ...described,
      orders: cp.orders,
      inventory: cp.inventory,
      visibleOrders,
      startedAt: cp.startedAt,
      finishedAt: cp.finishedAt,
      error: cp.phase === "failed" ? cp.error : null,
      dashboardUrl: done
        ? options.dashboardUrl
            .replaceAll("{shop}", encodeURIComponent(shop))
            .replaceAll("{platform}", PLATFORM)
        : null,
    });
  });

  // app/uninstalled and the three mandatory compliance topics. Shopify signs them like any webhook.
  app.post(
    APP_WEBHOOK_PATH,
    bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json({ error: "payload too large" }, 413) }),
    async (c) => {
      const raw = Buffer.from(await c.req.arrayBuffer());
      if (!hmacSha256Matches(options.apiSecret, raw, c.req.header("x-shopify-hmac-sha256"), "base64")) {
        return c.json(
          { error: { code: "invalid_signature", message: "shopify signature missing or invalid" } },
          401,
        );
      }
      const topic = c.req.header("x-shopify-topic") ?? "";
      const shop = oauth.sanitizeShop(c.req.header("x-shopify-shop-domain") ?? "");
      if (!shop)
        return c.json({ error: { code: "invalid_payload", message: "missing X-Shopify-Shop-Domain" } }, 400);
      let body: { customer?: { id?: string | number }; shop_domain?: unknown; myshopify_domain?: unknown } =
        {};
      try {
        body = parseJsonExact(raw.toString("utf8")) as typeof body;
      } catch {
        return c.json({ error: { code: "invalid_payload", message: "body is not JSON" } }, 400);
      }
      // The header is not signed, the body is: a signed delivery of one shop must not act on another.
      const bodyShop = body?.shop_domain ?? body?.myshopify_domain;
      if (typeof bodyShop !== "string" || bodyShop.toLowerCase() !== shop)
        return c.json(
          {
            error: {
              code: "shop_mismatch",
              message: "X-Shopify-Shop-Domain does not match the shop in the body",
            },
          },
          400,
        );
      const webhookId = c.req.header("x-shopify-webhook-id");
      const verdict = replays.claim(webhookId, c.req.header("x-shopify-triggered-at"));
      if (!verdict.ok) {
        if (verdict.reason === "duplicate") return c.json({ ok: true, duplicate: true });
        return c.json({ error: { code: `replay_${verdict.reason}`, message: verdict.message } }, 400);
      }
      try {
        return await appWebhook(topic, shop, body);
      } catch (err) {
        // Not handled: Shopify's retry of this webhook id must get through.
        replays.release(webhookId!);
        throw err;
      }
    },
  );

  /** What app/uninstalled and the compliance topics do, once the delivery is verified, matched and new. */
  async function appWebhook(
    topic: string,
    shop: string,
    body: { customer?: { id?: string | number } },
  ): Promise<Response> {
    switch (topic) {
      case "app/uninstalled": {
        await backfills.stop(shop);
        await store.dropToken(shop);
        await store.updateShop(shop, { status: "uninstalled", uninstalledAt: new Date().toISOString() });
        const cp = await store.checkpoint(shop);
        if (cp && cp.phase !== "done")
          await store.saveCheckpoint({ ...cp, phase: "stopped", updatedAt: new Date().toISOString() });
        log.info({ shop }, "app uninstalled: backfill stopped, token dropped");
        return Response.json({ ok: true });
      }
      case "customers/data_request":
        // Nothing to send: no names, emails, addresses or customer ids are kept (only a keyed hash).
        log.info({ shop, topic }, "customer data request: MetricsDash holds no personal data");
        return Response.json({ ok: true, personalData: "none held" });
      case "customers/redact": {
        const id = body.customer?.id;
        if (id !== undefined) {
          const key = customerKey(options.customerHashKey, PLATFORM, shop, String(id));
          void redactCustomer(db, PLATFORM, shop, key).catch((err: unknown) =>
            log.error({ shop, err: String(err) }, "customer redaction failed"),
          );
        }
        log.info({ shop, topic }, "customer redaction: customer key cleared from the shop's orders");
        return Response.json({ ok: true });
      }
      case "shop/redact": {
        log.info(
          { shop, topic },
          "shop redaction requested: stopping work, removing tokens, settings and rows",
        );
        await backfills.stop(shop);
        await Promise.all([store.dropToken(shop), store.dropCheckpoint(shop)]);
        await store.updateShop(shop, { status: "redacted" });
        // Answer now (Shopify waits 5 s); the rewrite runs after and is logged.
        void redactShop(db, PLATFORM, shop, log).then(
          () => store.dropShop(shop),
          (err: unknown) =>
            log.error({ shop, err: String(err) }, "shop redaction failed; retry by resending shop/redact"),
        );
        return Response.json({ ok: true });
      }
      default:
        return Response.json({ ok: true, ignored: `topic ${topic}` });
    }
  }
}
